package cache

import (
	"strconv"

	"github.com/scalesim/scalesim/internal/params"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/units"
)

// cacheParams are the fields of a cache.
var cacheParams = []params.Param{
	{Name: "nodes", Type: params.Int, Default: "1", Unit: "nodes", Doc: "cache nodes; keys spread over them by consistent hashing"},
	{Name: "vnodes", Type: params.Int, Default: strconv.Itoa(topology.DefaultVNodes), Unit: "points", Doc: "points of each node on the hash ring"},
	{Name: "capacity", Type: params.Number, Unit: "keys", Doc: "keys per node (or memory with item_size)"},
	{Name: "memory", Type: params.Size, Unit: "bytes", Doc: "memory per node, holding memory ÷ item_size keys"},
	{Name: "item_size", Type: params.Size, Unit: "bytes", Doc: "the bytes of one cached value (alone: capacity from 75% of the instance type's memory)"},
	{Name: "eviction", Type: params.Enum, Values: topology.Evictions, Default: topology.EvictLRU, Doc: "which key a full node drops"},
	{Name: "ttl", Type: params.Duration, Default: "none", Doc: "expiry after a fill or set"},
	{Name: "service_time", Type: params.Dist, Default: units.FormatDuration(defaultTime.Value), Unit: "s", Doc: "a lookup's work at a node"},
	topology.WorkersParam,
	topology.QueueParam,
	{Name: "coalesce", Type: params.Bool, Default: "false", Doc: "concurrent misses of one key make one origin read"},
	{Name: "flush_interval", Type: params.Duration, Default: "1s", Doc: "write_back flush period"},
	{Name: "failures", Type: params.Dist, Unit: "s", Doc: "time between failures of each node, which restarts empty, losing unflushed writes"},
	{Name: "warm", Type: params.Bool, Default: "false", Doc: "start in the steady state of its eviction policy, not empty"},
}
