package database

import (
	"strconv"

	"github.com/scalesim/scalesim/internal/params"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/units"
)

// databaseParams are the fields of a database.
var databaseParams = []params.Param{
	{Name: "shards", Type: params.Int, Default: "1", Unit: "shards", Doc: "partitions of the keys, each with its primary"},
	{Name: "replicas", Type: params.Int, Default: "0", Unit: "servers", Doc: "read replicas per shard, beside the primary",
		Or: []params.Param{{Type: params.List, Doc: "replicas placed by region", Elem: params.Obj("a group of replicas in a region",
			params.Param{Name: "region", Type: params.Name, Required: true, Doc: "the region they are in"},
			params.Param{Name: "count", Type: params.Int, Default: "1", Unit: "servers", Doc: "how many"})}}},
	{Name: "partition", Type: params.Enum, Values: Partitions, Default: PartitionHash, Doc: "how keys map to shards"},
	{Name: "vnodes", Type: params.Int, Default: strconv.Itoa(topology.DefaultVNodes), Unit: "points", Doc: "points of each shard on the ring (partition: consistent)"},
	{Name: "read_from", Type: params.Enum, Values: []string{ReadReplicas, ReadPrimary, ReadAny}, Default: ReadReplicas, Doc: "where reads go"},
	{Name: "replication_lag", Type: params.Dist, Unit: "s", Doc: "a replica's apply time of a write; the one-way delay from the primary's region adds to it"},
	{Name: "replication", Type: params.Enum, Values: Replications, Default: ReplicationAsync, Doc: "when a write commits: at the primary, once every replica applied it, or once one received it"},
	{Name: "primaries", Type: params.Names, Doc: "regions with a primary each, accepting writes (active-active, last writer wins)"},
	{Name: "read_your_writes", Type: params.Duration, Doc: "a user's reads go to the primary this long after their write"},
	{Name: "pool", Type: params.Int, Unit: "connections", Doc: "connections per client instance (none when left out)"},
	{Name: "connect_time", Type: params.Dist, Unit: "s", Doc: "a connection's set-up, paid per request without a pool"},
	{Name: "service_time", Type: params.Dist, Unit: "s", Doc: "a query's work: one distribution for reads and writes, or {read, write}",
		Or: []params.Param{{Type: params.Object, Doc: "reads and writes apart", Fields: []params.Param{
			{Name: "read", Type: params.Dist, Required: true, Doc: "a read's work"},
			{Name: "write", Type: params.Dist, Required: true, Doc: "a write's work"},
		}}}},
	{Name: "workers", Type: params.Int, Default: "1", Unit: "workers", Doc: "concurrent queries per server (or cores)",
		Or: []params.Param{{Type: params.Object, Doc: "workers from the instance type's vCPUs", Fields: []params.Param{
			{Name: "per_vcpu", Type: params.Int, Required: true, Unit: "workers", Doc: "workers per vCPU of the instance type (its own or its host's)"},
		}}}},
	{Name: "cores", Type: params.Int, Default: "1", Unit: "cores", Doc: "the same as workers"},
	topology.QueueParam,
	{Name: "failover_time", Type: params.Duration, Default: units.FormatDuration(DefaultFailoverTime), Doc: "how long a shard has no primary after its primary fails"},
	{Name: "operations", Type: params.Map, Doc: "operations by request class (or read, write): their own service time and size", Elem: params.Obj("an operation",
		params.Param{Name: "service_time", Type: params.Dist, Unit: "s", Doc: "its work"},
		params.Param{Name: "size", Type: params.Object, Doc: "its request and reply", Fields: topology.SizeParams},
		params.Param{Name: "index", Type: params.Bool, Doc: "how a read finds its rows in data: an index of its own (a B-tree descent; every write maintains it) or a scan of the shard's rows; left out, its service time is as given"})},
	{Name: "size", Type: params.Object, Doc: "bytes of a query and of its reply, for the operations that give none", Fields: topology.SizeParams},
	{Name: "data", Type: params.Object, Doc: "how much it holds, growing with the users (or a fixed number of rows): priced per GiB-month of every server's storage", Fields: []params.Param{
		{Name: "per_user", Type: params.Size, Unit: "bytes", Doc: "bytes stored for each user of the workload (the rows, and the indexes no operation declares); or rows"},
		{Name: "rows", Type: params.Number, Unit: "rows", Doc: "a fixed number of rows, whatever the users (with row_size)"},
		{Name: "written", Type: params.Size, Unit: "bytes", Doc: "bytes of rows the writes before the run added, on top of per_user or rows (a timeline sets it from per_write)"},
		{Name: "per_write", Type: params.Size, Unit: "bytes", Doc: "bytes each write adds (an insert): the data grows over the run, and its reads with index slow down with it"},
		{Name: "row_size", Type: params.Size, Unit: "bytes", Doc: "bytes of a row: counts the rows, and a B-tree page's fan-out (16 KB pages); needed by an operation's index"},
		{Name: "row_time", Type: params.Duration, Default: units.FormatDuration(DefaultRowTime), Unit: "s", Doc: "an unindexed read's work per row of its shard it scans (an assumption: measure yours)"},
		{Name: "page_time", Type: params.Duration, Default: units.FormatDuration(DefaultPageTime), Unit: "s", Doc: "an indexed read's work per B-tree page it reads in memory (an assumption)"},
		{Name: "index_write_time", Type: params.Duration, Default: units.FormatDuration(DefaultIndexWriteTime), Unit: "s", Doc: "the work each index adds to every write (an assumption)"},
		{Name: "index_entry_size", Type: params.Size, Default: "32B", Unit: "bytes", Doc: "an index's bytes per row, added to the storage (an assumption)"},
		{Name: "buffer_pool", Type: params.Percent, Default: "75%", Doc: "each server's buffer pool, a share of its instance type's memory (RDS for MySQL's default); without an instance type's memory and a size, every page is in memory",
			Or: []params.Param{{Type: params.Size, Unit: "bytes", Doc: "its size"}}},
		{Name: "volume", Type: params.Object, Doc: "each server's volume, which serves the pages and scans not in its buffer pool through one queue", Fields: []params.Param{
			{Name: "type", Type: params.Enum, Values: Volumes, Default: VolumeGP3, Doc: "the EBS volume type"},
			{Name: "iops", Type: params.Number, Default: "3000", Unit: "reads/s", Doc: "its I/O operations a second (a page read one, a scan one each 256 KiB): with throughput, the slower bounds its queue (gp3's baseline, more when provisioned)"},
			{Name: "throughput", Type: params.ByteRate, Default: "125MiB/s", Doc: "its bytes a second, a scan's of what the pool cannot hold and a page read's 16 KB: with iops, the slower bounds its queue (gp3's baseline)"},
			{Name: "latency", Type: params.Duration, Default: units.FormatDuration(DefaultVolumeLatency), Unit: "s", Doc: "a read's time besides its queue and service (an assumption)"},
		}},
	}},
}

func init() {
	databaseKind.Params = databaseParams
	topology.Register(&databaseKind)
	topology.RegisterFault(&primaryFault)
	topology.RegisterFault(&replicaFault)
}
