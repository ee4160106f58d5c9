package topic_test

import (
	"testing"

	"github.com/scalesim/scalesim/topology/topic"
)

// TestSubscribersByWhatTheyDo checks that a topic asks of its subscribers
// what they can do (take a copy of each message: Kind.Subscribes), not
// that they be the kind called "queue": no kind names another.
func TestSubscribersByWhatTheyDo(t *testing.T) {
	tp := &topic.Topic{Subscribers: []string{"orders", "audit"}}
	targets := tp.Downstream()
	if len(targets) != 2 {
		t.Fatalf("targets %+v, want one a subscriber", targets)
	}
	for _, tg := range targets {
		if tg.Want != nil || !tg.Subscribes || !tg.Ref {
			t.Errorf("target %s: Want %v, Subscribes %v, Ref %v; want no kind named, Subscribes and Ref", tg.To, tg.Want, tg.Subscribes, tg.Ref)
		}
	}
}
