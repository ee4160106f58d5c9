// Package kinds imports the node kinds that live in packages of their own,
// so that each registers itself with package topology (as database/sql
// drivers do): a program that reads scenario files imports kinds once.
package kinds

import (
	// A load balancer in front of services.
	_ "github.com/scalesim/scalesim/topology/balancer"
	// A key-value cache of nodes, for a service's gets, sets and deletes.
	_ "github.com/scalesim/scalesim/topology/cache"
	// An edge cache in front of an origin.
	_ "github.com/scalesim/scalesim/topology/cdn"
	// A database: a primary with read replicas, shards, its data.
	_ "github.com/scalesim/scalesim/topology/database"
	// A serverless function (AWS Lambda).
	_ "github.com/scalesim/scalesim/topology/function"
	// A global entry sending users to regional ones (Route 53's policies).
	_ "github.com/scalesim/scalesim/topology/dns"
	// A message queue (Amazon SQS).
	_ "github.com/scalesim/scalesim/topology/queue"
	// A pool of instances serving requests and making calls.
	_ "github.com/scalesim/scalesim/topology/service"
	// A publish fanned out to subscribed queues.
	_ "github.com/scalesim/scalesim/topology/topic"
	// A consumer group taking messages from a queue.
	_ "github.com/scalesim/scalesim/topology/workers"
)
