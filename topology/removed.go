package topology

import (
	"fmt"

	"github.com/scalesim/scalesim/internal/yamlfile"
)

// unknownNode is what a message adds after naming name, which is not a
// node: the override that removed it, if one did, or a likely spelling.
func (t *Topology) unknownNode(name string) string {
	if set, ok := t.removed[name]; ok {
		return fmt.Sprintf(" (--set %s removed it: remove this reference too, or point it elsewhere)", set)
	}
	return yamlfile.DidYouMean(name, t.names())
}
