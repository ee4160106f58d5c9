package engine

import (
	"fmt"
	"io"

	"github.com/scalesim/scalesim/units"
)

// sessionPin is where a user's session lives: an instance, as of the
// number of times it had gone down.
type sessionPin struct {
	inst  *instance
	downs int32
}

// sessionTable is a service's local sessions: each user's, and what
// became of them over the measurement window.
type sessionTable struct {
	pins       map[int32]sessionPin
	kept, lost int64
}

// visit records user's request reaching inst: it finds the user's session
// there, or the user is logged out (a session elsewhere, or on an
// instance that has gone down since) and starts a new one there.
func (t *sessionTable) visit(user int32, inst *instance) {
	if user < 0 {
		return
	}
	pin, ok := t.pins[user]
	switch {
	case !ok:
	case pin.inst == inst && pin.downs == inst.downs:
		t.kept++
		return
	default:
		t.lost++
	}
	t.pins[user] = sessionPin{inst, inst.downs}
}

// stored records a request of user reading its session from a cache
// store: found (hit), or not, when the user is logged out if it had one
// before (the first request of each user starts its session).
func (t *sessionTable) stored(user int32, hit bool) {
	_, had := t.pins[user]
	switch {
	case hit:
		t.kept++
	case had:
		t.lost++
	default:
		t.pins[user] = sessionPin{}
	}
}

// SessionStats are a service's sessions over the measurement window.
type SessionStats struct {
	// Store is the node that keeps them; empty when they are local.
	Store string `json:"store,omitempty"`
	// Kept counts requests that found their user's session; Lost those
	// that did not (the user was logged out).
	Kept int64 `json:"kept"`
	Lost int64 `json:"lost"`
}

// writeSessions writes a line of the sessions a service kept and lost.
func writeSessions(w io.Writer, node string, s *SessionStats) {
	where := "local sessions"
	if s.Store != "" {
		where = "sessions in " + s.Store
	}
	fmt.Fprintf(w, "%-11s %s: %s found theirs, %d lost it (logged out)\n", node, where, units.Plural(s.Kept, "request", "requests"), s.Lost)
}
