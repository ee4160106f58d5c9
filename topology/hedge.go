package topology

import (
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
)

// Hedge is a call's hedged requests (Dean and Barroso, "The tail at
// scale", CACM 56(2), 2013; gRPC's hedging policy): if an attempt has not
// answered After seconds after it was sent, or after the Percentile of
// the latencies of the call's successful attempts so far (those abandoned
// included, when their late replies come), a second attempt is
// sent; the first of them to succeed wins and the other is abandoned.
// With a percentile, nothing is hedged before engine.MinHedgeSamples attempts
// have succeeded.
type Hedge struct {
	After      float64
	Percentile float64
}

// decodeHedge reads {after: 50ms} or {after: p95}.
func decodeHedge(d *yamlfile.Decoder, n *yaml.Node) *Hedge {
	h := &Hedge{}
	m, ok := d.Mapping(n, "hedge", "after")
	if !ok {
		return h
	}
	if !m.Has("after") {
		d.Errorf(n, "hedge needs after: a delay such as 50ms, or a percentile such as p95")
		return h
	}
	a := m.Get("after")
	if p, ok := strings.CutPrefix(a.Value, "p"); ok && a.Kind == yaml.ScalarNode {
		v, err := strconv.ParseFloat(p, 64)
		if err != nil || !(v > 0 && v < 100) {
			d.Errorf(a, "hedge after %q: a percentile is p50 to p99.9", a.Value)
			return h
		}
		h.Percentile = v / 100
		return h
	}
	h.After, _ = d.Duration(a, "hedge after")
	return h
}

// validate records what is wrong with the hedge, under its path.
func (h *Hedge) validate(e field.Errors) {
	if h.Percentile == 0 && (!(h.After > 0) || math.IsInf(h.After, 0)) {
		e.Add("after", "a hedge's after must be a delay above 0 or a percentile")
	}
}
