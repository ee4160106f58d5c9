package explain_test

import (
	"strings"
	"testing"
)

// TestAgreementOnSaturation checks what explain says of the estimate and
// the run when one or both find a node on the request path saturated while
// the run still answers requests. It said 'The estimate and the run
// disagree: the estimate finds a station on the request path offered more
// than its capacity (no steady state), but the run answered requests in
// 17s on average' of a database both found saturated (hostile review): the
// run's mean is of the requests that got through while the queues grew,
// which the estimate's no steady state foresees. Each case: a database
// saturated by its volume (200 reads a second of 3 pages each on 300
// IOPS: 200% of them) and by its workers (300/s on 2 workers of 10 ms:
// 150%) agree, as does a host whose 4 cores are asked for 125% of their
// time (250/s to a service and a database on it, 10 ms of core each); a
// database the estimate finds overloaded that a rate limit
// upstream keeps at half its capacity in the run, where the limiting
// service saturates instead (different nodes), disagrees naming both; a
// database saturated in both with a second service only the estimate
// overloads (a rate limit keeps it at 50% in the run) agrees on the first
// and names the second, as it does of a service offered 150% of its
// workers by its own work (300/s of 10 ms on 2) that also waits on such a
// database (its holding time infinite in the estimate, where the run's
// queue of 20 keeps the database at half its capacity); a service the estimate overloads by a call it
// holds for 100 ms while the run's timeout of 5 ms and fallback keep it at
// 18% (the estimate alone) disagrees as before.
func TestAgreementOnSaturation(t *testing.T) {
	const run = "run: {seed: 1, warmup: 2s, duration: 20s}\n"
	cases := []struct {
		name, file string
		agree      bool
		want, not  []string
	}{
		{"by its volume, in both", volumeOver("{seed: 1, warmup: 5s, duration: 30s}"), true,
			[]string{"The estimate and the run agree: both find db saturated (the estimate has it offered more than its capacity, with no steady state; in the run, its volume is 100% busy"},
			[]string{"disagree"}},
		{"by its workers, in both", `name: db-workers
workload: {rate: 300}
entry: app
nodes:
  app: {kind: service, workers: 1000, service_time: 1ms, calls: [{to: db}]}
  db: {kind: database, workers: 2, service_time: {dist: exponential, mean: 10ms}}
` + run, true,
			[]string{"The estimate and the run agree: both find db saturated (the estimate has it offered more than its capacity, with no steady state; in the run, its own demand is 1"},
			[]string{"disagree"}},
		{"a host's cores, in both", `name: host
workload: {rate: 250}
entry: app
hosts:
  box: {cores: 4}
nodes:
  app: {kind: service, host: box, workers: 64, service_time: {dist: exponential, mean: 10ms}, calls: [db]}
  db: {kind: database, host: box, workers: 64, service_time: {dist: exponential, mean: 10ms}}
` + run, true,
			[]string{"The estimate and the run agree: both find host box saturated (the estimate has it offered more than its capacity, with no steady state; in the run, its 4 cores are asked for 1"},
			[]string{"disagree", "also finds"}},
		{"different nodes", `name: limited
workload: {rate: 300}
entry: app
nodes:
  app: {kind: service, workers: 100, service_time: 1ms, rate_limit: {rate: 100}, calls: [{to: db}]}
  db: {kind: database, workers: 2, service_time: {dist: exponential, mean: 10ms}}
` + run, false,
			[]string{"The estimate and the run disagree: the estimate finds db offered more than its capacity (no steady state), where the run found app saturated instead and answered requests in "},
			[]string{" agree", "both find"}},
		{"one in both, one in the estimate", `name: gate
workload: {rate: 300}
entry: app
nodes:
  app: {kind: service, workers: 1000, service_time: 1ms, calls: [{to: db}, {to: gate}]}
  db: {kind: database, workers: 2, service_time: {dist: exponential, mean: 10ms}}
  gate: {kind: service, workers: 100, service_time: 1ms, rate_limit: {rate: 100}, calls: [{to: b}]}
  b: {kind: service, workers: 2, service_time: {dist: exponential, mean: 10ms}}
` + run, false,
			[]string{"The estimate and the run agree that db saturates (the estimate has it offered more than its capacity, with no steady state; in the run, its own demand is 1",
				"), but the estimate also finds b offered more than its capacity, where the run did not find it saturated (4"},
			[]string{"disagree", "also finds a", "also finds gate"}},
		{"by its own work and its wait, in both", `name: both-own
workload: {rate: 300}
entry: app
nodes:
  app: {kind: service, workers: 2, queue: 20, service_time: {dist: exponential, mean: 10ms}, calls: [{to: db}]}
  db: {kind: database, workers: 2, service_time: {dist: exponential, mean: 10ms}}
` + run, false,
			[]string{"The estimate and the run agree that app saturates (the estimate has it offered more than its capacity, with no steady state; in the run, its own demand is 1",
				"), but the estimate also finds db offered more than its capacity, where the run did not find it saturated (4"},
			[]string{"disagree", "instead"}},
		{"the estimate alone", `name: fallback
workload: {rate: 50}
entry: app
nodes:
  app: {kind: service, workers: 2, service_time: 1ms, calls: [{to: slow, timeout: 5ms, fallback: {reply: 1ms}}]}
  slow: {kind: service, workers: 100, service_time: 100ms}
` + run, false,
			[]string{"The estimate and the run disagree: the estimate finds a station on the request path offered more than its capacity (no steady state), but the run answered requests in "},
			[]string{" agree", "both find"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ex, text := explainText(t, c.file)
			a := ex.Agreement
			if a.Agree != c.agree || a.Estimate != nil {
				t.Errorf("agree %v, estimate %v; want agree %v, no estimated mean:\n%s", a.Agree, a.Estimate, c.agree, text)
			}
			for _, w := range c.want {
				if !strings.Contains(a.Verdict, w) {
					t.Errorf("verdict %q, want it to say %q", a.Verdict, w)
				}
			}
			for _, w := range c.not {
				if strings.Contains(a.Verdict, w) {
					t.Errorf("verdict %q, want no %q", a.Verdict, w)
				}
			}
		})
	}
}
