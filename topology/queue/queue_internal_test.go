package queue

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/internal/scripttest"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/topology/topotest"
)

// TestQueueScripts drives a queue's lists by hand through the scripts of
// testdata/queue/, as a consumer group would (receive, acknowledge, fail,
// give back), and checks the lists after each step: visible (what may be
// received, oldest first, with lazy removal), all (every stored message in
// publish order, trimmed from the front, whose head carries the retention
// timer), and a partitioned queue's partitions and ready list.
//
//	queue {YAML of the queue's fields}   a network whose service app publishes to queue q
//	                                     (dead_letter: dlq adds a queue dlq); no workers take
//	                                     from it: the script is the consumer
//	run                                  then lines "T OP": the kernel runs to T (timers due
//	                                     then fire first), then OP, and the trace gives its
//	                                     result and the lists
//
// OPs: publish [key=K] (app's request publishes: mN is the message
// stored, or rejected, or blocked), receive (mN#R: message N at its R-th
// receive, or nothing), ack mN#R, fail mN#R [BACKOFF] (the message is
// visible again after BACKOFF seconds, at once without), release mN#R
// (given back unprocessed), lost mN#R (the consumer went away: it only
// lets go of the message), state (the counts too). In the lists, a
// message in flight is marked *, one waiting out a backoff ~, and one
// gone but not yet dropped from the list -.
func TestQueueScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/queue/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no queue scripts: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			var qs queueScript
			scripttest.Run(t, file, qs.do)
		})
	}
}

// queueScript is the state of one queue script.
type queueScript struct {
	net        *engine.Network
	k          *sim.Kernel
	q, dlq     *Runtime
	deliveries map[string]delivery
}

// delivery is a message received, with its receipt.
type delivery struct {
	m       *Message
	receipt int32
}

func (s *queueScript) do(t *testing.T, c *scripttest.Case) string {
	switch c.Cmd {
	case "queue":
		fields := strings.Join(c.Args, " ")
		nodes := "  app: {kind: service, workers: 1000, service_time: 0s, calls: [q]}\n  q: {kind: queue, " + strings.Trim(fields, "{}") + "}\n"
		if strings.Contains(fields, "dead_letter") {
			nodes += "  dlq: {kind: queue}\n"
		}
		s.net, s.k, _ = topotest.Build(t, "app", nodes, func(o *engine.Options) { o.KeyCount = 100 })
		s.q, s.dlq = s.net.Component("q").(*Runtime), nil
		if dlq := s.net.Component("dlq"); dlq != nil {
			s.dlq = dlq.(*Runtime)
		}
		s.deliveries = map[string]delivery{}
		return s.lists(s.q)
	case "run":
		var out strings.Builder
		for _, line := range c.Input {
			f := strings.Fields(line)
			if len(f) < 2 {
				c.Fatalf(t, "%q: want T OP", line)
			}
			now := sim.Time(c.Num(t, f[0]))
			s.k.Run(now)
			fmt.Fprintf(&out, "%s: %s\n", line, s.op(t, c, f[1], f[2:]))
			s.k.Run(now) // what the step set off at once
			s.check(t, c, line)
		}
		return out.String()
	}
	c.Fatalf(t, "unknown command %q", c.Cmd)
	return ""
}

// op does one step and says what came of it, then the lists.
func (s *queueScript) op(t *testing.T, c *scripttest.Case, op string, args []string) string {
	q := s.q
	result := ""
	switch op {
	case "publish":
		key := int64(-1)
		if len(args) == 1 {
			k, ok := strings.CutPrefix(args[0], "key=")
			if !ok {
				c.Fatalf(t, "publish %v: want key=K", args)
			}
			key = int64(c.Num(t, k))
		}
		seq, dropped, blocked := q.seq, q.droppedFull, q.blocked.Len()
		s.net.Submit(0, -1, -1, key)
		s.k.Run(s.k.Now())
		switch {
		case q.seq > seq:
			result = fmt.Sprintf("m%d", q.seq)
			if q.parts != nil {
				result += fmt.Sprintf(" in p%d", last(&q.all).part)
			}
		case q.droppedFull > dropped:
			result = "rejected"
		case q.blocked.Len() > blocked:
			result = "blocked"
		default:
			c.Fatalf(t, "publish: neither stored, rejected nor blocked")
		}
	case "receive":
		m, receipt := q.Receive()
		if m == nil {
			result = "nothing"
			break
		}
		result = fmt.Sprintf("m%d#%d", m.seq, receipt)
		s.deliveries[result] = delivery{m, receipt}
	case "ack", "fail", "release", "lost":
		if len(args) == 0 {
			c.Fatalf(t, "%s: which delivery?", op)
		}
		d, ok := s.deliveries[args[0]]
		if !ok {
			c.Fatalf(t, "%s %s: no such delivery out", op, args[0])
		}
		delete(s.deliveries, args[0])
		seq := q.seq
		switch op {
		case "ack":
			q.Ack(d.m)
		case "fail":
			backoff := 0.0
			if len(args) > 1 {
				backoff = c.Num(t, args[1])
			}
			q.Fail(d.m, d.receipt, backoff)
		case "release":
			q.Release(d.m, d.receipt)
		}
		q.Unhold(d.m)
		if q.seq > seq {
			result = fmt.Sprintf("lets in m%d", q.seq)
		}
	case "state":
		result = fmt.Sprintf("%d stored, %d visible, %d records; published %d, delivered %d, redelivered %d, acknowledged %d, duplicates %d, expired %d, dead-lettered %d, dropped full %d, blocked %d",
			q.stored, q.nVisible, q.live, q.published, q.delivered, q.redelivered, q.acked, q.duplicates, q.expired, q.deadLettered, q.droppedFull, q.blockedCount)
		if q.parts != nil {
			result += fmt.Sprintf(", out of order %d", q.outOfOrder)
		}
	default:
		c.Fatalf(t, "unknown op %q", op)
	}
	if result != "" {
		result += "; "
	}
	result += s.lists(q)
	if s.dlq != nil {
		result += "; dlq " + s.lists(s.dlq)
	}
	return result
}

// last is the last message of a list.
func last(list *sim.FIFO[*Message]) *Message {
	var m *Message
	for range list.Len() {
		m = list.Pop()
		list.Push(m)
	}
	return m
}

// lists writes the queue's lists: visible (or each partition, its
// redelivery first, and the ready list), all, and the retention timer.
func (s *queueScript) lists(q *Runtime) string {
	var b strings.Builder
	if q.parts == nil {
		fmt.Fprintf(&b, "visible %s ", names(&q.visible))
	} else {
		for i := range q.parts {
			p := &q.parts[i]
			fmt.Fprintf(&b, "p%d ", i)
			if p.again != nil {
				fmt.Fprintf(&b, "again %s ", name(p.again))
			}
			fmt.Fprintf(&b, "%s", names(&p.msgs))
			if p.out > 0 {
				fmt.Fprintf(&b, " out %d", p.out)
			}
			b.WriteString(", ")
		}
		var ready []string
		for range q.ready.Len() {
			i := q.ready.Pop()
			ready = append(ready, strconv.Itoa(int(i)))
			q.ready.Push(i)
		}
		fmt.Fprintf(&b, "ready [%s] ", strings.Join(ready, " "))
	}
	fmt.Fprintf(&b, "all %s", names(&q.all))
	if q.expiry != (sim.Timer{}) {
		fmt.Fprintf(&b, " expiry %g", float64(q.expiresAt(q.all.Peek())))
	}
	return b.String()
}

// names lists a list's messages in order, by their publish order in the
// queue, marked by their state.
func names(list *sim.FIFO[*Message]) string {
	var out []string
	for range list.Len() {
		m := list.Pop()
		out = append(out, name(m))
		list.Push(m)
	}
	return "[" + strings.Join(out, " ") + "]"
}

func name(m *Message) string {
	return strconv.FormatUint(m.seq, 10) + [...]string{msgVisible: "", msgInFlight: "*", msgDelayed: "~", msgGone: "-"}[m.state]
}

// check verifies what the lists must always say: every stored message is
// in all, in publish order, with its retention timer on the first; the
// visible messages are in visible (or their partition) once each; a
// record is kept while a list holds it.
func (s *queueScript) check(t *testing.T, c *scripttest.Case, line string) {
	t.Helper()
	q := s.q
	stored, visible, prev := 0, 0, uint64(0)
	for range q.all.Len() {
		m := q.all.Pop()
		q.all.Push(m)
		if m.seq <= prev || !m.inAll {
			t.Errorf("%s: %q: all is out of publish order or holds m%d unmarked", c.Pos, line, m.seq)
		}
		prev = m.seq
		if m.state != msgGone {
			stored++
		}
	}
	count := func(list *sim.FIFO[*Message]) {
		for range list.Len() {
			m := list.Pop()
			list.Push(m)
			if !m.inVisible {
				t.Errorf("%s: %q: m%d is in a visible list unmarked", c.Pos, line, m.seq)
			}
			if m.state == msgVisible {
				visible++
			}
		}
	}
	count(&q.visible)
	for i := range q.parts {
		count(&q.parts[i].msgs)
		if m := q.parts[i].again; m != nil && m.state == msgVisible {
			visible++
		}
	}
	if stored != q.stored || visible != q.nVisible {
		t.Errorf("%s: %q: the lists hold %d stored and %d visible, the queue counts %d and %d", c.Pos, line, stored, visible, q.stored, q.nVisible)
	}
	if (q.expiry != sim.Timer{}) != (q.all.Len() > 0) {
		t.Errorf("%s: %q: a retention timer %v with %d messages in all", c.Pos, line, q.expiry != sim.Timer{}, q.all.Len())
	}
	if q.all.Len() > 0 && q.all.Peek().state == msgGone {
		t.Errorf("%s: %q: all's head m%d is gone but not trimmed", c.Pos, line, q.all.Peek().seq)
	}
}
