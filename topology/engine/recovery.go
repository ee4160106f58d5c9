package engine

import (
	"fmt"
	"slices"

	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/units"
)

// Recovery objectives. An episode of failure is a database's failover
// (from its primary's failure to a promotion or the primary's return) or
// a region's outage (from the region going down to its return). Both are
// measured by one definition, on the requests the users sent:
//
//   - RTO, the recovery time, in two parts: from the first to the last
//     failed request of the episode (its requests are those that ended
//     without a reply after it began, having arrived before it ended and
//     in the measurement window, as the report's requests did), and
//     from its start until the SLO holds again (the end of the last sample
//     window, from the one it began in, that broke an objective: the first
//     window that met them all after one that broke them). The report
//     writes both null when the service had not recovered by the run's
//     end: writes still unavailable, or the objectives broken in its last
//     window.
//   - RPO, the recovery point: the writes lost (acknowledged by a failed
//     primary, missing on the replica promoted), and the window they span,
//     from the commit of the oldest of them to the failure. Null while the
//     loss is not known: writes still unavailable at the run's end (a
//     primary that comes back has every write it acknowledged).

// Recovery is an episode's recovery time and point (see above): one type
// for a database's failover and a region's outage.
type Recovery struct {
	// FailedRequests counts the episode's failed requests: those that
	// ended without a reply (any cause) after it began, having arrived
	// in the measurement window before it ended (any, while it lasted to
	// the run's end).
	FailedRequests int64 `json:"failed_requests"`
	// FirstFailed is when the first of them ended, in seconds since the
	// run started; null without any.
	FirstFailed *float64 `json:"first_failed"`
	// LastFailed is when the last of them ended, in seconds since the run
	// started; null without any.
	LastFailed *float64 `json:"last_failed"`
	// RTO is the time from the first failed request of the episode to its
	// last (0 when none or one failed); null when the service had not
	// recovered by the run's end (writes still unavailable, or the
	// objectives broken in its last sample window).
	RTO *float64 `json:"rto"`
	// RTOSLO is the time from the episode's start until the objectives
	// held again: to the start of the first sample window that met them
	// after one that broke them, the window the episode began in
	// included; 0 when no window broke them before the episode ended;
	// null when they were still broken at the run's end, or the scenario
	// sets no objectives.
	RTOSLO *float64 `json:"rto_slo"`
	// LostWrites are the writes a promotion lost: acknowledged by the
	// failed primary, not applied on the replica promoted (0 without a
	// promotion); null while writes were still unavailable at the run's
	// end.
	LostWrites *int64 `json:"lost_writes"`
	// RPO is the window the lost writes span, in seconds: from the commit
	// of the oldest of them to the failure (0 when none were lost); null
	// as LostWrites.
	RPO *float64 `json:"rpo"`
}

// failureSpan gathers the failed requests of an episode of failure as
// the run goes: those that end without a reply from its start on, having
// arrived before its end. An ended span stays watched until every request
// in flight at its end has returned.
type failureSpan struct {
	id    int32    // its index in Network.allSpans, plus 1
	start sim.Time // when the episode began
	ended bool
	// endSeq is the last request submitted before its end; pending the
	// requests in flight at its end that have not returned yet.
	endSeq  int64
	pending int
	// failed counts its failed requests, first and last when the first
	// and the last ended; writesFailed those of them a write of which
	// was refused by the failed primary.
	failed       int64
	first, last  sim.Time
	writesFailed int64
}

// openSpan starts watching the failed requests of an episode beginning
// now.
func (n *Network) openSpan(now sim.Time) *failureSpan {
	sp := &failureSpan{id: int32(len(n.allSpans) + 1), start: now}
	n.allSpans = append(n.allSpans, sp)
	n.spans = append(n.spans, sp)
	return sp
}

// closeSpan ends the episode of sp now: requests arriving from now on are
// not its own.
func (n *Network) closeSpan(sp *failureSpan) {
	if sp == nil || sp.ended {
		return
	}
	sp.ended, sp.endSeq, sp.pending = true, n.submitted, n.inFlight
	if sp.pending == 0 {
		n.unwatch(sp)
	}
}

// unwatch stops gathering sp's failed requests: none can come any more.
func (n *Network) unwatch(sp *failureSpan) {
	if i := slices.Index(n.spans, sp); i >= 0 {
		n.spans = slices.Delete(n.spans, i, i+1)
	}
}

// failedRequest counts r, which ended without a reply now, in the spans
// it belongs to, and in the failover whose primary refused a write of it.
// Only the measurement window's requests count (those that arrived in it,
// as the report counts them): an episode that began at the window's start
// leaves out the warm-up's requests it failed, which the report does not
// count either.
func (n *Network) failedRequest(r *Request, now sim.Time) {
	if r.Seq <= n.measuredFrom {
		return
	}
	for _, sp := range n.spans {
		if now >= sp.start && (!sp.ended || r.Seq <= sp.endSeq) {
			if sp.failed == 0 {
				sp.first = now
			}
			sp.failed++
			sp.last = now
		}
	}
	if r.writeSpan > 0 {
		n.allSpans[r.writeSpan-1].writesFailed++
	}
}

// requestReturned notes that r, in flight, has returned: an ended span
// waiting for it may stop watching.
func (n *Network) requestReturned(r *Request) {
	for i := 0; i < len(n.spans); i++ {
		sp := n.spans[i]
		if sp.ended && r.Seq <= sp.endSeq {
			if sp.pending--; sp.pending <= 0 {
				n.unwatch(sp)
				i--
			}
		}
	}
}

// resetStats forgets the failed requests gathered so far (the warm-up's):
// an episode in force at the measurement window's start is measured on
// the window's requests only, as the report counts them.
func (sp *failureSpan) resetStats() {
	sp.failed, sp.first, sp.last, sp.writesFailed = 0, 0, 0, 0
}

// requests are the span's figures of the recovery time: its failed
// requests, the first and the last, and the time between them (null when
// recovered is false: the service had not recovered by the run's end).
func (sp *failureSpan) requests(rc *Recovery, recovered bool) {
	rc.FailedRequests = sp.failed
	if sp.failed > 0 {
		first, last := float64(sp.first), float64(sp.last)
		rc.FirstFailed, rc.LastFailed = &first, &last
	}
	if recovered {
		rto := float64(sp.last - sp.first)
		rc.RTO = &rto
	}
}

// Outage is a region's outage as the run saw it: the region, when it went
// down and came back (Until is null when it was still down at the run's
// end), and its recovery objectives, with the writes lost by the
// failovers it caused (a database's primary there failed at its start).
// The report completes RTOSLO, and writes RTO null when the objectives
// were still broken at the end.
type Outage struct {
	Region string
	At     float64
	Until  *float64
	// BeganInWarmup says the region went down in the warm-up and was
	// still down at the window's start: At is then the window's start,
	// and the outage is measured on what the window saw.
	BeganInWarmup bool
	Recovery
}

// outage is a region fault's runtime: it watches the failed requests of
// each of the fault's outages.
type outage struct {
	net  *Network
	f    *topology.Fault
	runs []outageRun // the outages so far
}

type outageRun struct {
	at, until sim.Time
	ended     bool
	span      *failureSpan
}

// Handle implements sim.Handler: the region goes down or comes back.
// Its events are scheduled before those of the fault's strikes at the
// same time, so that a request failed at the instant the region goes down
// is the outage's.
func (o *outage) Handle(now sim.Time, op int, _ any) {
	if op == opFaultOn {
		o.runs = append(o.runs, outageRun{at: now, span: o.net.openSpan(now)})
		o.net.k.After(o.f.For, o, opFaultOff, nil)
		if o.f.Every > 0 {
			o.net.k.After(o.f.Every, o, opFaultOn, nil)
		}
		return
	}
	for i := range o.runs {
		if r := &o.runs[i]; !r.ended {
			r.ended, r.until = true, now
			o.net.closeSpan(r.span)
			return
		}
	}
}

// Outages lists the regions' outages in force from from on (the
// measurement window's start, whose failovers the databases report): one
// that ended at from or before is the warm-up's; one that began before it
// and ended after it (or not at all) is clipped to it (At is
// from; a database matches it to the failover it caused by its real
// start; what was lost at that start, in the warm-up, is the warm-up's), in
// the order their faults are given and then in time: what their spans
// gathered, and the writes lost by the failovers each caused. Both are
// unknown (null) while a database it struck had writes still unavailable
// at the run's end: a failover under way, or a database whose servers
// are all in the region (down as a whole, without a failover) with the
// region still down.
func (n *Network) Outages(from float64) []Outage {
	var out []Outage
	for _, o := range n.outages {
		for _, r := range o.runs {
			at := r.at
			if float64(at) < from {
				if r.ended && float64(r.until) <= from {
					continue // the warm-up's
				}
				at = sim.Time(from) // in force at the window's start: clipped to it
			}
			og := Outage{Region: o.f.Region, At: float64(at), BeganInWarmup: at != r.at}
			if r.ended {
				until := float64(r.until)
				og.Until = &until
			}
			lost, rpo, back := int64(0), 0.0, true
			for i, c := range n.comps {
				ol, ok := c.(OutageLoser)
				if !ok || !slices.Contains(o.f.Strikes(), n.nodes[i].Name) {
					continue
				}
				l, w, b := ol.OutageLoss(o.f.Region, r.at, r.ended)
				lost += l
				rpo = max(rpo, w)
				back = back && b
			}
			r.span.requests(&og.Recovery, back)
			if back {
				og.LostWrites, og.RPO = &lost, &rpo
			}
			out = append(out, og)
		}
	}
	return out
}

// OutageLoser is a component that a region's outage may cost writes (a
// database with a server in the region): Outages asks it what each outage
// of a region that struck it cost.
type OutageLoser interface {
	// OutageLoss is what the outage of region that began at at (its
	// real start, in the warm-up for one clipped to the window) cost it
	// (ended: the region is back by the run's end): the writes lost and
	// the window they span, from the commit of the oldest to the failure
	// (see Recovery), and whether its writes were back by the run's end
	// (false while a failover it caused was still under way).
	OutageLoss(region string, at sim.Time, ended bool) (lost int64, rpo float64, back bool)
}

// Text says the recovery objectives in a line: the RTO's two parts (the
// SLO's left out without objectives) and the RPO, "unknown" where null.
func (rc *Recovery) Text() string {
	rto := "RTO unknown (not recovered by the end)"
	if rc.RTO != nil {
		rto = fmt.Sprintf("RTO %s (first to last of %s)", units.FormatDuration(*rc.RTO), units.Plural(rc.FailedRequests, "failed request", "failed requests"))
		switch {
		case rc.RTOSLO == nil: // no objectives
		case *rc.RTOSLO == 0:
			rto += ", the SLO held"
		default:
			rto += ", the SLO met again after " + units.FormatDuration(*rc.RTOSLO)
		}
	}
	rpo := "RPO unknown (writes still unavailable)"
	if rc.LostWrites != nil && rc.RPO != nil {
		rpo = fmt.Sprintf("RPO %s lost, over %s", units.Plural(*rc.LostWrites, "write", "writes"), units.FormatDuration(*rc.RPO))
	}
	return rto + "; " + rpo
}
