// Package kinds imports the node kinds that live in packages of their own,
// so that each registers itself with package topology (as database/sql
// drivers do): a program that reads scenario files imports kinds once.
package kinds

import (
	// The topic kind: a publish fanned out to subscribed queues.
	_ "github.com/scalesim/scalesim/topology/topic"
)
