package queue

import (
	"github.com/scalesim/scalesim/internal/params"
	"github.com/scalesim/scalesim/units"
)

// queueParams are the fields of a queue (an SQS standard queue).
var queueParams = []params.Param{
	{Name: "publish_time", Type: params.Dist, Default: "0", Unit: "s", Doc: "how long a publish takes to be stored"},
	{Name: "capacity", Type: params.Int, Default: "unlimited", Unit: "messages", Doc: "messages stored at most"},
	{Name: "on_full", Type: params.Enum, Values: []string{OnFullReject, OnFullBlock}, Default: OnFullReject, Doc: "a publish to a full queue is refused, or waits"},
	{Name: "visibility_timeout", Type: params.Duration, Default: units.FormatDuration(DefaultVisibilityTimeout), Doc: "a received message is hidden this long, then delivered again unless acknowledged"},
	{Name: "max_receives", Type: params.Int, Default: "no limit", Unit: "deliveries", Doc: "after this many deliveries a message moves to dead_letter (or is dropped)"},
	{Name: "dead_letter", Type: params.Node, Doc: "the queue messages go to after max_receives"},
	{Name: "retention", Type: params.Duration, Default: "4d", Doc: "a message older than this is dropped"},
	{Name: "brokers", Type: params.Int, Default: "1", Unit: "brokers", Doc: "the billed units, for a queue priced by the hour"},
	{Name: "partitions", Type: params.Int, Default: "0", Unit: "partitions", Doc: "order delivery by key, as SQS FIFO message groups: a partition delivers one message at a time (0: unordered)"},
}
