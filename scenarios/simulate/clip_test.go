package simulate

import "testing"

// TestClipToWindow pins the one rule for an episode that struck before the
// measurement window (here [10 s, the run's end)): over before it or at its
// start, left out (one ending at the start printed a line from 10s to 10s);
// in force after its start, clipped to it and marked; the window's own, as
// it is; a run stopped in its warm-up reports the warm-up as it is.
func TestClipToWindow(t *testing.T) {
	tests := []struct {
		name       string
		at, until  float64
		open, warm bool
		keep       bool
		wantAt     float64
		began      bool
	}{
		{name: "over in the warm-up", at: 2, until: 5, keep: false},
		{name: "in force at the start", at: 5, until: 25, keep: true, wantAt: 10, began: true},
		{name: "ends at the start: the warm-up's", at: 5, until: 10, keep: false},
		{name: "ends just after the start", at: 5, until: 10.5, keep: true, wantAt: 10, began: true},
		{name: "open deploy from the warm-up", at: 5, until: 5, open: true, keep: true, wantAt: 10, began: true},
		{name: "at the start is the window's", at: 10, until: 20, keep: true, wantAt: 10},
		{name: "in the window", at: 15, until: 20, keep: true, wantAt: 15},
		{name: "run stopped in the warm-up", at: 2, until: 5, warm: true, keep: true, wantAt: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := &Report{Warmup: 10, InWarmup: tc.warm}
			tr := Trigger{At: tc.at, Until: tc.until, open: tc.open}
			keep := clipToWindow(&tr, rep)
			if keep != tc.keep {
				t.Fatalf("kept %v, want %v", keep, tc.keep)
			}
			if keep && (tr.At != tc.wantAt || tr.BeganInWarmup != tc.began || tr.Until != tc.until) {
				t.Errorf("got at %g until %g began %v, want at %g until %g began %v", tr.At, tr.Until, tr.BeganInWarmup, tc.wantAt, tc.until, tc.began)
			}
		})
	}
}
