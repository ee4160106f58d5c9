package simulate_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/engine"
)

// hpaReplay is the Horizontal Pod Autoscaler written apart from the
// simulator's, from the Kubernetes documentation ("Horizontal Pod
// Autoscaling": Algorithm details, Stabilization window, Default behavior)
// and, where the documentation is silent or differs, its replica
// calculator (pkg/controller/podautoscaler/replica_calculator.go): it
// decides from the instances as the evaluation recorded them, pod by pod.
type hpaReplay struct {
	spec *topology.Autoscale
	// recs are the recommendations made so far (the stabilization window
	// reads the last five minutes of them).
	recs []hpaRec
}

type hpaRec struct {
	at float64
	n  int
}

// decide is the replay's recommendation and decision for the evaluation e.
func (h *hpaReplay) decide(e engine.Evaluation) (rec, desired int) {
	a := h.spec
	current := e.Ready + e.Booting // the Deployment's replicas: none scaled down
	cpu := a.Metric == topology.MetricUtilization
	// "Pods being deleted are ignored"; "pods missing metrics are set
	// aside for later use"; for CPU "if any pod has yet to become ready
	// [...] or the most recent metric point for the pod was before it
	// became ready, that pod is set aside as well", with the two flags:
	// within --horizontal-pod-autoscaler-cpu-initialization-period of its
	// start a pod counts only once a whole metric window follows its
	// readiness; after it, a pod that is not ready is "not yet ready" if
	// its readiness last changed within
	// --horizontal-pod-autoscaler-initial-readiness-delay of its start
	// (a booting instance's readiness has been false since its start).
	// For the other metrics a booting instance is not ready: set aside.
	// A pod back from being down is a restarted pod: its readiness
	// condition last changed (to true) when it came back, which is the
	// transition the calculator compares with the metric's window.
	var usage []float64
	notYetReady, missing := 0, 0
	for _, p := range e.Pods {
		ready := p.Ready <= e.Time
		switch {
		case p.Deleting:
		case !ready && (!cpu || !p.HasMetric):
			notYetReady++
		case !p.HasMetric:
			missing++
		case cpu && e.Time-p.Started < a.InitializationPeriod && (!ready || e.WindowStart < math.Max(p.Ready, p.Back)):
			notYetReady++
		case cpu && e.Time-p.Started >= a.InitializationPeriod && !ready && a.InitialReadinessDelay > 0:
			notYetReady++
		default:
			usage = append(usage, p.Metric)
		}
	}
	if len(usage) == 0 {
		return current, current // no metric: the HPA does not act
	}
	// "desiredReplicas = ceil[currentReplicas × (currentMetricValue ÷
	// desiredMetricValue)]", currentMetricValue the average over the pods
	// kept; no change within the tolerance.
	mean := func(v []float64) float64 {
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s / float64(len(v))
	}
	ratio := mean(usage) / a.Target
	within := func(r float64) bool { return math.Abs(1-r) <= a.Tolerance }
	rec = current
	switch {
	case missing == 0 && (notYetReady == 0 || ratio <= 1):
		if !within(ratio) {
			rec = int(math.Ceil(ratio * float64(len(usage))))
		}
	default:
		// "The control plane recomputes the average more conservatively,
		// assuming [missing] pods were consuming 100% of the desired value
		// in case of a scale down, and 0% in case of a scale up" (the
		// calculator: 100% of the request, for CPU, if that is more);
		// not-yet-ready pods count at 0% when scaling up. "If the new
		// ratio reverses the scale direction, or is within the tolerance,
		// the controller doesn't take any scaling action."
		fallback := a.Target
		if cpu {
			fallback = math.Max(1, a.Target)
		}
		all := usage
		for range missing {
			switch {
			case ratio < 1:
				all = append(all, fallback)
			case ratio > 1:
				all = append(all, 0)
			}
		}
		if ratio > 1 {
			for range notYetReady {
				all = append(all, 0)
			}
		}
		again := mean(all) / a.Target
		n := int(math.Ceil(again * float64(len(all))))
		if !within(again) && (ratio < 1) == (again < 1) && (again < 1) == (n < current) {
			rec = n
		}
	}
	// Stabilization: scaling down, "the highest recommendation" of the
	// window (the last 300 s, as the controller keeps it: after now − 5m);
	// scaling up none. The default scale-up policies allow +100% or +4
	// pods (the larger) per 15 s; then minReplicas and maxReplicas.
	highest := rec
	for _, r := range h.recs {
		if r.at > e.Time-a.ScaleDownStabilization {
			highest = max(highest, r.n)
		}
	}
	h.recs = append(h.recs, hpaRec{e.Time, rec})
	desired = current
	switch {
	case rec > current:
		step := max(int(math.Ceil(a.ScaleUpPercent*float64(current))), a.ScaleUpInstances)
		desired = min(rec, current+step, a.Max)
	case rec < current:
		desired = max(min(current, highest), a.Min)
	}
	return rec, desired
}

// TestHPAReplay checks every decision of the simulated autoscaler against
// the replay, on the 1×→4× step (also with 3 instances down for 30 s
// after it, two of them new: missing, then back within their
// initialization period), on the outage of hostile finding 08 and on a
// day: the same recommendation and count at every evaluation, the metric
// the average of the instances counted, and a scaling event exactly where
// the count changed.
func TestHPAReplay(t *testing.T) {
	t.Parallel()
	stepOutage := strings.Replace(hpaStep, "slo:", "faults: [{at: 7m, for: 30s, node: app, instances: 3}]\nslo:", 1)
	// The outage, with the load down to a third after it, so that the
	// fleet scales down.
	outage := strings.Replace(fmt.Sprintf(hpaOutage, "{min: 1, max: 20, target: 60%}", "307s"), "workload: {rate: 1000}",
		"workload: {rate: 1000, shape: [{step: {at: 16m, rate: 333}}]}", 1)
	texts := []string{hpaStep, stepOutage, outage, hpaStep32, hpaDiurnal}
	if testing.Short() {
		texts = texts[:3] // a simulated day is slow under emulation
	}
	for _, text := range texts {
		rep := sharedRun(t, text)
		sc := appNode(t, rep).Scaling
		h := &hpaReplay{spec: sc.Spec, recs: []hpaRec{{0, sc.Evaluations[0].Ready + sc.Evaluations[0].Booting}}}
		events, changes, checked := 0, 0, 0
		for _, e := range sc.Evaluations {
			if e.Pods == nil {
				t.Fatalf("%s: at %gs no instances recorded", rep.Scenario, e.Time)
			}
			rec, desired := h.decide(e)
			if rec != e.Recommendation || desired != e.Desired {
				t.Fatalf("%s: at %gs (%d ready, %d booting, metric %.4g) the simulator recommended %d and decided %d, the replay %d and %d",
					rep.Scenario, e.Time, e.Ready, e.Booting, e.Metric, e.Recommendation, e.Desired, rec, desired)
			}
			checked++
			if e.Desired != e.Ready+e.Booting {
				if events < len(sc.Events) && sc.Events[events].Time == e.Time && sc.Events[events].To == e.Desired {
					events++
				}
				changes++
			}
		}
		if changes == 0 || events != changes || changes != sc.EventCount || checked != len(sc.Evaluations) {
			t.Errorf("%s: %d changes in %d evaluations, %d matching events, %d counted", rep.Scenario, changes, checked, events, sc.EventCount)
		}
		// The JSON lists the first evaluations, and counts them all.
		if n := min(len(sc.Evaluations), 1000); sc.EvaluationCount != len(sc.Evaluations) || len(sc.Evaluated) != n ||
			(n > 0 && sc.Evaluated[n-1].Time != sc.Evaluations[n-1].Time) {
			t.Errorf("%s: %d evaluations reported of %d counted, %d kept", rep.Scenario, len(sc.Evaluated), sc.EvaluationCount, len(sc.Evaluations))
		}
	}
}
