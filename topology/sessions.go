package topology

import (
	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
)

// Sessions is where a service keeps its users' sessions: on the instance
// that served the user last (Local: a request that reaches another
// instance, or the same one after it went down, finds no session, so its
// user is logged out), or in a shared store every request reads first
// (Store). A service or database store loses nothing; a cache keeps each
// session under its user's key, so an eviction or a cache node's failure
// logs its user out.
type Sessions struct {
	Local bool
	Store string
}

// decodeSessions reads sessions: local, or sessions: {store: NAME}.
func decodeSessions(d *yamlfile.Decoder, n *yaml.Node, what string) Sessions {
	if n.Kind == yaml.ScalarNode {
		if d.OneOf(n, "sessions", "local") == "local" {
			return Sessions{Local: true}
		}
		return Sessions{}
	}
	var s Sessions
	if m, ok := d.Mapping(n, what+" sessions", "store"); ok && m.Has("store") {
		s.Store, _ = d.String(m.Get("store"))
	} else if ok {
		d.Errorf(n, "%s sessions: local, or {store: NODE}, the node that keeps them", what)
	}
	return s
}

// validate records what is wrong with the sessions of the service.
func (s Sessions) validate(e field.Errors, c *Checker) {
	if s.Store == "" {
		return
	}
	n := c.t.byName[s.Store]
	if n != nil && !n.Kind().SessionStore {
		e.In("sessions").Add("store", "a session store is a cache, service or database read on every request; %s is a %s", s.Store, n.Kind().Noun)
	}
}

// SessionKeeper is a spec whose nodes may keep users' sessions (a
// service's, locally or in a store).
type SessionKeeper interface {
	KeepsSessions() bool
}

// ValidateUsers checks the topology against the workload's users: a
// session is a user's, so a service that keeps sessions needs requests
// that carry users (a users:, closed: or sessions: workload). Open rate:
// arrivals have none, and such a service would keep and lose nothing.
// Each error names the service's sessions field.
func (t *Topology) ValidateUsers(hasUsers bool) []error {
	if hasUsers {
		return nil
	}
	e := field.New("nodes")
	for _, n := range t.Nodes {
		if k, ok := n.Spec.(SessionKeeper); ok && k.KeepsSessions() {
			e.In(n.Name).Add("sessions", "service %s keeps sessions, but the workload's requests carry no user (open rate: arrivals have none): "+
				"sessions need users (a users: or closed: workload, or sessions:), or leave sessions out", n.Name)
		}
	}
	return t.fleetErrors(e.List()) // a fleet's, once, as written
}
