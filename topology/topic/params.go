package topic

import "github.com/scalesim/scalesim/internal/params"

// topicParams are the fields of a topic.
var topicParams = []params.Param{
	{Name: "publish_time", Type: params.Dist, Default: "0", Unit: "s", Doc: "how long a publish takes to be stored"},
	{Name: "subscribers", Type: params.Nodes, Required: true, Doc: "the queues that get a copy of each message"},
}

func init() { kind.Params = topicParams }
