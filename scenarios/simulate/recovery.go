package simulate

import (
	"github.com/scalesim/scalesim/topology/engine"
)

// recoveries completes the recovery objectives of the run's episodes of
// failure (engine.Recovery: one definition for both) from its sample
// windows: each database failover's, on the database's figures, and each
// region outage's, on its trigger. end is when the run ended.
func (r *runner) recoveries(rep *Report, end float64) {
	if rep.Series == nil {
		return
	}
	objectives := len(r.s.SLO.Latency) > 0 || r.s.SLO.ErrorRate >= 0
	for i := range rep.Nodes {
		if ep, ok := rep.Nodes[i].Detail.(engine.Episodes); ok {
			ep.Episodes(end, func(rc *engine.Recovery, start, until float64) { sloBack(rep.Series, rc, start, until, objectives) })
		}
	}
	for _, og := range r.net.Outages(float64(r.windowStart)) {
		until := end
		if og.Until != nil {
			until = *og.Until
		}
		sloBack(rep.Series, &og.Recovery, og.At, until, objectives)
		for i := range rep.Triggers {
			if tr := &rep.Triggers[i]; tr.Region == og.Region && tr.At == og.At && tr.Recovery == nil {
				rc := og.Recovery
				tr.Recovery = &rc
				break
			}
		}
	}
}

// sloBack sets rc's RTOSLO, for an episode from start to until: the time
// from start to the first sample window that met the objectives after one
// that broke them, the window start falls in included and the windows
// that begin after until not (0 when none of those broke them). When they
// were still broken at the end the service had not recovered: RTOSLO and
// the RTO are null. Without objectives there is nothing to meet: RTOSLO is
// null and the RTO stands.
func sloBack(series *Series, rc *engine.Recovery, start, until float64, objectives bool) {
	rc.RTOSLO = nil
	if !objectives {
		return
	}
	broke := false
	for _, smp := range series.Samples {
		if smp.Start+smp.Duration <= start {
			continue
		}
		switch {
		case smp.Violated && !broke && smp.Start >= until:
			zero := 0.0
			rc.RTOSLO = &zero // broken after the episode, not by it
			return
		case smp.Violated:
			broke = true
		case broke:
			d := smp.Start - start
			rc.RTOSLO = &d
			return
		}
	}
	if !broke {
		zero := 0.0
		rc.RTOSLO = &zero
		return
	}
	rc.RTO = nil
}
