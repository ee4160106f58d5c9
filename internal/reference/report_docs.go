package reference

import (
	"path"
	"reflect"
)

// fieldDocs are the meanings of the report's fields whose Go field has no
// doc comment of its own (nor a comment of its group that names it), by
// "package.Type.Field". A doc comment written on the field later takes
// precedence; TestReportDocs fails on an entry no field needs.
var fieldDocs = map[string]string{
	"simulate.Report.Scenario":               "The scenario's name.",
	"simulate.Report.Seed":                   "The seed of the run's random streams: the same scenario and seed give the same report.",
	"simulate.Report.Workload":               "What drove the run.",
	"simulate.WorkloadInfo.Model":            "The arrival model: open, closed or sessions.",
	"simulate.WorkloadInfo.Description":      "The workload in words, such as \"open Poisson arrivals at 700/s\".",
	"simulate.Report.Throughput":             "Replies per second in the window.",
	"simulate.Report.Requests":               "The requests that arrived in the window, by how they ended.",
	"simulate.RequestCounts.Arrived":         "Requests that arrived in the window: completed + failed + unfinished.",
	"simulate.RequestCounts.Completed":       "Requests that got a reply.",
	"simulate.ClassReport.Class":             "The request class, as the workload's mix names it.",
	"simulate.Latency.Mean":                  "Mean response time, in seconds.",
	"simulate.Latency.P50":                   "Median response time, in seconds.",
	"simulate.Latency.P90":                   "90th percentile of the response time, in seconds.",
	"simulate.Latency.P95":                   "95th percentile of the response time, in seconds.",
	"simulate.Latency.P99":                   "99th percentile of the response time, in seconds.",
	"simulate.Latency.P999":                  "99.9th percentile of the response time, in seconds.",
	"simulate.Latency.Max":                   "Longest response time, in seconds.",
	"simulate.SLOResult.Violations":          "The objectives that failed, each with the measured value.",
	"simulate.RegionReport.Region":           "The user region, as the workload names it.",
	"simulate.Report.Nodes":                  "Each node's figures over the window, in the file's order.",
	"simulate.NodeReport.Name":               "The node's name.",
	"simulate.NodeReport.Kind":               "The node's kind.",
	"simulate.NodeReport.Instances":          "Its billed units: instances, cache nodes, database servers (with an autoscaler, those taking work at the end).",
	"simulate.NodeReport.Throughput":         "Visits it completed per second.",
	"simulate.WaitStats.Mean":                "Mean time queued, in seconds.",
	"simulate.WaitStats.P99":                 "99th percentile of the time queued, in seconds.",
	"simulate.NodeReport.Rejected":           "Visits its full queue turned away.",
	"engine.Scaling.Metric":                  "The metric the autoscaler follows.",
	"engine.ScalingEvent.From":               "Instances before the change.",
	"engine.ScalingEvent.To":                 "Instances after the change.",
	"topology.Bounds.Min":                    "The fewest instances.",
	"topology.Bounds.Max":                    "The most instances.",
	"engine.Transfer.InBytesPerSec":          "Bytes received per second: the requests that reached it.",
	"engine.Transfer.OutBytesPerSec":         "Bytes sent per second: the replies of the visits it completed (its egress).",
	"simulate.HostReport.Name":               "The host's name.",
	"simulate.HostReport.Cores":              "Its cores.",
	"simulate.HostReport.Memory":             "Its memory, in bytes.",
	"simulate.HostReport.Nodes":              "The nodes on the host and their shares of it.",
	"simulate.HostNode.Node":                 "The node's name.",
	"simulate.Report.StoppedEarly":           "Why the run stopped before its end (a budget, the request cap, overload); empty when it did not.",
	"simulate.PrecisionResult.Target":        "The precision asked: the 95% confidence interval's half-width over the mean.",
	"simulate.PrecisionResult.Met":           "The run reached the precision asked.",
	"simulate.Report.Cost":                   "What the architecture costs a month at the measured load.",
	"simulate.Cost.MonthlyUSD":               "Dollars for a 730-hour month.",
	"simulate.Cost.PerMillionRequestsUSD":    "Dollars per million requests served; null when none completed, or when nothing is priced.",
	"simulate.Cost.ByNode":                   "Monthly dollars of each node (and host), by name.",
	"simulate.Report.SLO":                    "The verdict on the scenario's objectives.",
	"simulate.Series.Every":                  "The length of each window, in seconds.",
	"simulate.Series.Samples":                "The windows, in time order.",
	"simulate.Sample.Duration":               "The window's length, in seconds (the last may be shorter).",
	"simulate.Sample.Throughput":             "Replies per second in the window.",
	"simulate.Sample.Arrived":                "Requests that arrived in the window.",
	"simulate.Sample.Completed":              "Requests that got a reply in the window.",
	"simulate.Sample.Rejected":               "Requests a full queue turned away in the window.",
	"simulate.Sample.TimedOut":               "Requests whose client stopped waiting in the window.",
	"simulate.Sample.Nodes":                  "Each node with workers over the window.",
	"simulate.NodeSample.Name":               "The node's name.",
	"simulate.NodeSample.OfferedLoad":        "The utilization needed to serve what was offered in the window.",
	"simulate.NodeSample.QueueLength":        "The time-average number of visits waiting.",
	"simulate.NodeSample.Throughput":         "Visits completed per second.",
	"simulate.NodeSample.Rejected":           "Visits its full queue turned away in the window.",
	"simulate.QueueSample.Name":              "The queue's name.",
	"simulate.Recovery.Change":               "The change of the workload's rate, in words (step or ramp).",
	"simulate.Trigger.What":                  "The trigger in words: a fault or a spike of the workload.",
	"simulate.Trigger.During":                "Goodput (replies per second within the SLO's latency) during the trigger; null where no window falls.",
	"simulate.Trigger.After":                 "Goodput from the trigger's end to the end of the run; null where no window falls.",
	"engine.DeployStats.Node":                "The service deployed.",
	"engine.DeployStats.Strategy":            "How: rolling, blue_green or canary.",
	"engine.DeployStats.What":                "The deploy in words.",
	"simulate.Trigger.Reason":                "What held goodput down, for a trigger that did not recover without a feedback loop.",
	"database.Stats.Reads":                   "Reads it served in the window, on its primaries and replicas.",
	"database.Stats.Writes":                  "Writes it committed in the window.",
	"database.Stats.PrimaryReads":            "Reads its primaries served.",
	"database.Stats.ReplicaReads":            "Reads its replicas served.",
	"database.Stats.Shards":                  "Each shard's figures, in shard order.",
	"database.ShardStats.PrimaryUtilization": "The busy share of the shard primary's workers.",
	"database.ShardStats.ReplicaUtilization": "The busy share of the shard replicas' workers (0 without replicas).",
	"database.PlaceStats.Region":             "The region.",
	"database.PlaceStats.Primaries":          "Its primaries in the region.",
	"database.PlaceStats.Replicas":           "Its replicas in the region.",
	"database.PlaceStats.ReplicaReads":       "Reads its replicas in the region served.",
	"database.PlaceStats.StaleReads":         "Those of them of a key whose latest write the replica had not applied.",
	"database.PlaceStats.LagMean":            "Mean replication lag to its servers in the region, from a write's commit to its apply there, in seconds; null without any.",
	"database.PlaceStats.LagP99":             "99th percentile of the replication lag to the region, in seconds; null without any.",
	"database.PlaceStats.LagMax":             "Longest replication lag to the region, in seconds; null without any.",
	"database.ActiveActiveStats.Conflicts":   "Pairs of writes of one key at different primaries, neither of which had seen the other.",
	"database.ActiveActiveStats.LostUpdates": "Writes that lost such a conflict by last-writer-wins: acknowledged, then silently overwritten.",
	"database.ActiveActiveStats.Reads":       "Reads its primaries served.",
	"database.ActiveActiveStats.StaleReads":  "Reads at a primary of a key another primary's write had not reached yet.",
}

// field is the meaning of the field name of the struct t: its doc comment,
// or its entry in fieldDocs.
func (d Docs) field(t reflect.Type, name string) string {
	if doc := d[t.PkgPath()+"."+t.Name()+"."+name]; doc != "" {
		return doc
	}
	return fieldDocs[shortName(t)+"."+name]
}

// shortName is a type's name with its package's last element:
// simulate.Latency.
func shortName(t reflect.Type) string {
	return path.Base(t.PkgPath()) + "." + t.Name()
}
