package simulate

import (
	"fmt"
	"strings"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/units"
	"github.com/scalesim/scalesim/workloads"
)

// RegionReport is what the users of one region saw: their requests pay the
// way to the entry and back (the last mile and the distance between their
// region and the entry's) besides the system's own time.
type RegionReport struct {
	Region string `json:"region"`
	// Share is the region's share of the users, as the workload gives it.
	Share float64 `json:"share"`
	// Completed and Failed count the region's requests that ended in the
	// window, with a reply or without.
	Completed int64 `json:"completed"`
	Failed    int64 `json:"failed"`
	// ErrorRate is the share of the region's requests that ended in the
	// window without a reply; null when none ended.
	ErrorRate *float64 `json:"error_rate"`
	// Latency is null when none of the region's requests completed; its
	// mean has a confidence interval as the run's has.
	Latency *Latency `json:"latency"`
	// SLO is the verdict on the region's own objectives (slo.by_region);
	// absent when it has none.
	SLO *SLOResult `json:"slo,omitempty"`
}

// byRegion holds the measurements of each user region (Workload.Regions
// order); nil without regions.
type byRegion []measured

// ended records a request of region that ended in the window.
func (m byRegion) ended(req *engine.Request, lat float64, outcome engine.Outcome, goodputWithin float64) {
	if req.Region < 0 || int(req.Region) >= len(m) {
		return
	}
	at := &m[req.Region]
	if outcome == engine.Completed {
		at.replied(lat, goodputWithin)
	} else {
		at.failed[outcome]++
	}
}

// reset starts the measurement window.
func (m byRegion) reset() {
	for i := range m {
		m[i] = measured{}
	}
}

// regionReports are the regions' figures at the end of the run.
func (r *runner) regionReports() []RegionReport {
	if len(r.regions) == 0 {
		return nil
	}
	out := make([]RegionReport, len(r.regions))
	for i, ur := range r.s.Workload.Regions {
		m := &r.regions[i]
		rr := RegionReport{Region: ur.Name, Share: ur.Share, Completed: m.completed, Failed: m.failures()}
		if ended := m.ended(); ended > 0 {
			e := float64(m.failures()) / float64(ended)
			rr.ErrorRate = &e
		}
		if rr.Latency = m.latencyFigures(); rr.Latency != nil {
			if r.s.ChangesOverTime() {
				rr.Latency.NoCI = NoCIChanging
			} else {
				rr.Latency.MeanCI95 = m.latency.MeanCI95()
			}
		}
		out[i] = rr
	}
	return out
}

// judgeRegions judges each user region's own objectives (slo.by_region)
// as the run's are judged, into its RegionReport, and adds each check and
// violation to the run's verdict res, named by its region.
func judgeRegions(slo scenarios.SLO, regions []RegionReport, res *SLOResult, stopped bool, stoppedEarly string) {
	for i := range regions {
		rr := &regions[i]
		if own, ok := slo.ByRegion[rr.Region]; ok {
			rr.SLO = judgePart(rr.Region, own, rr.Latency, rr.ErrorRate, res, stopped, stoppedEarly)
		}
	}
}

// userRegionNames are the names of the regions the users are in.
func userRegionNames(regions []workloads.UserRegion) []string {
	var out []string
	for _, r := range regions {
		out = append(out, r.Name)
	}
	return out
}

// writeRegions writes the latency each user region saw, one line each.
func writeRegions(b *strings.Builder, regions []RegionReport) {
	dur := units.FormatDuration
	for i, rr := range regions {
		head := "            "
		if i == 0 {
			head = "by region   "
		}
		if rr.Latency == nil {
			fmt.Fprintf(b, "%s%-15s %s of users: no request completed\n", head, rr.Region, units.Percent(rr.Share))
			continue
		}
		ci := ""
		if c := rr.Latency.MeanCI95; c != nil {
			ci = fmt.Sprintf(" (95%% CI %s–%s)", dur(c[0]), dur(c[1]))
		}
		fmt.Fprintf(b, "%s%-15s %s of users: mean %s%s, p50 %s, p99 %s, %d failed\n", head, rr.Region,
			units.Percent(rr.Share), dur(rr.Latency.Mean), ci, dur(rr.Latency.P50), dur(rr.Latency.P99), rr.Failed)
	}
	if len(regions) > 0 {
		b.WriteString("\n")
	}
}

// RegionSample is what one user region's users saw in a window of the time
// series: its requests that ended in the window.
type RegionSample struct {
	// Region is the users' region, as the workload names it.
	Region string `json:"region"`
	// Completed counts the region's replies in the window.
	Completed int64 `json:"completed"`
	// P50 and P99 are the latency quantiles of its replies; null when
	// none came.
	P50 *float64 `json:"p50"`
	P99 *float64 `json:"p99"`
	// ErrorRate is its requests that ended without a reply ÷ those that
	// ended; null when none ended.
	ErrorRate *float64 `json:"error_rate"`
}

// samples are the regions' figures over a window (the regions of the
// workload, in order), and starts the next window; nil without regions.
func (m byRegion) samples(regions []workloads.UserRegion) []RegionSample {
	if len(m) == 0 {
		return nil
	}
	out := make([]RegionSample, len(m))
	for i := range m {
		w := &m[i]
		rs := RegionSample{Region: regions[i].Name, Completed: w.completed}
		if lat := w.latencyFigures(); lat != nil {
			rs.P50, rs.P99 = &lat.P50, &lat.P99
		}
		if ended := w.ended(); ended > 0 {
			e := float64(w.errors()) / float64(ended)
			rs.ErrorRate = &e
		}
		out[i] = rs
	}
	m.reset()
	return out
}
