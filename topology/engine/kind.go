package engine

import (
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
)

// Waiting is a Detail of a node whose workers, besides its own work, wait
// on something other than calls (a database's volume, its replicas'
// acknowledgements): what the report says holds them when its offered
// load is above its own demand.
type Waiting interface {
	topology.Detail
	// WaitingOn says what its workers wait on, e.g. "reads from its
	// volume"; "" for calls, as a service's.
	WaitingOn() string
}

// Waiters is a Component that holds visits waiting besides the queues of
// its stations: a cache's gets waiting for a coalesced fill, a queue's
// publishers blocked until it has room. The overload test counts them
// with the visits queued (Network.Queued).
type Waiters interface {
	// Waiters is the number of visits it holds waiting now.
	Waiters() int
}

// VolumeBusy is a Detail of a node whose visits also wait on stations
// besides its workers (a database's volumes, one a server): explain
// counts the busiest among its limits without naming its kind.
type VolumeBusy interface {
	topology.Detail
	// VolumeBusy is the busiest volume's busy share over the window; ok
	// is false when the node read nothing through a volume.
	VolumeBusy() (busy float64, ok bool)
}

// Backlog is a Detail of a node that stores messages for consumers to
// take later (a broker's queue): what the report and explain judge of its
// backlog without naming its kind.
type Backlog interface {
	topology.Detail
	// ConsumedBy names the node that takes its messages, "" for none (a
	// dead-letter queue keeps what it is given, by design).
	ConsumedBy() string
	// Full counts the publishes turned away for want of room and those
	// that waited for room.
	Full() (turnedAway, held int64)
	// Handoff is the time from a message's publish to its
	// acknowledgement, in seconds (mean, median, 99th percentile), and
	// the messages acknowledged; ok is false when none was acknowledged
	// in the window.
	Handoff() (mean, p50, p99 float64, acknowledged int64, ok bool)
}

// PolicyCalls is a Detail of a node that calls others with resilience
// policies (a service, a consumer group): the figures of those calls.
type PolicyCalls interface {
	topology.Detail
	// PolicyCalls are the figures of its calls that have a timeout,
	// retries, a circuit breaker or a hedge.
	PolicyCalls() []CallStats
}

// SessionsKept is a Detail of a node that keeps users' sessions (a
// service's pool, on its instances or in a store): what explain judges of
// the sessions it lost without naming its kind.
type SessionsKept interface {
	topology.Detail
	// SessionsKept are the figures of its sessions; nil when it keeps
	// none.
	SessionsKept() *SessionStats
}

// DataWritten is a Detail of a node whose writes add to its data (a
// database's rows, data per_write): what the report prices of the
// storage's growth without naming its kind.
type DataWritten interface {
	topology.Detail
	// DataWritten is the bytes the window's writes added to its data; 0
	// when its writes add none.
	DataWritten() float64
}

// Episodes is a Detail of a node whose failures are episodes with
// recovery objectives of its own (a database's failovers): the run
// completes each one's from its sample windows without naming its kind.
type Episodes interface {
	topology.Detail
	// Episodes calls each with every episode of the window: its Recovery,
	// when it began and when it ended (end, the run's end, when it had
	// not), in seconds since the run started.
	Episodes(end float64, each func(rc *Recovery, start, until float64))
}

// Component is the runtime behaviour of a node.
type Component interface {
	// Accept takes a job arriving now.
	Accept(j *Job)
	// Link resolves the component's references to others once all exist.
	Link(byName map[string]Component) error
	// Stations lists its queueing stations, for overload diagnosis.
	// Stats are its figures over the measurement window ending now, and
	// ResetStats starts that window.
	Stations() []*Station
	Stats(window float64, now sim.Time) NodeStats
	ResetStats(now sim.Time)
	// InUse is about how many bytes it holds now that grow with the load,
	// besides the records of visits (replication logs, say).
	InUse() float64
}
