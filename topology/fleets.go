package topology

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
)

// Fleets in several regions: a node that gives regions: [us-east-1,
// eu-west-1] instead of region: is written once and run as one copy per
// region, each a node of its own named NAME@REGION (app@us-east-1) with
// the node's settings, placed in its region. instances may give each
// region its count ({us-east-1: 4, eu-west-1: 2}); a single count is each
// copy's. A reference to the fleet by its name means, for a node placed in
// a region, the copy nearest it (the one in its own region when there is
// one: the fewest round trip by the catalogue or regions.rtt, the first
// listed on a tie); for a dns, every copy (its targets: [app] are the
// copies). The copies are ordinary nodes from then on, so every hop to
// and from them pays its distance through Hop, and the report lists each.

// FleetSep joins a fleet's name and a region in its copies' names.
const FleetSep = "@"

// fleet is a node written in several regions.
type fleet struct {
	// regions are the regions as the file names them, in order; copies
	// the copies' names, in the same order.
	regions, copies []string
	// countsByRegion says instances gave a count per region.
	countsByRegion bool
}

// Fleet is the name of the fleet node n is a copy of, and the region it
// is the copy in, as the file names it; "" for a node written once.
func (n *Node) Fleet() (name, region string) {
	name, region, _ = strings.Cut(n.fleetOf, FleetSep)
	return name, region
}

// Path is the path from the scenario's root to the node's field named by
// fields, as the file writes the node (a copy's fleet): for field.Errors'
// Given, the fields a problem elsewhere rests on. A copy's instances are
// its region's count (nodes.app.instances.eu-west-1), so that an override
// of another region's count is not taken for one of its own; a single
// count for every copy holds that path, and an override of it is named.
func (n *Node) Path(fields ...string) []string {
	p := append([]string{"nodes", n.writtenName()}, fields...)
	if _, region := n.Fleet(); region != "" && len(fields) == 1 && fields[0] == "instances" {
		p = append(p, region)
	}
	return p
}

// writtenName is the node's name as the file writes it: its fleet's for a
// copy.
func (n *Node) writtenName() string {
	if base, _ := n.Fleet(); base != "" {
		return base
	}
	return n.Name
}

// Copies lists the copies of the fleet called name, in the order its
// regions are written; nil when no node of that name is in several
// regions.
func (t *Topology) Copies(name string) []string {
	if f := t.fleets[name]; f != nil {
		return slices.Clone(f.copies)
	}
	return nil
}

// decodeFleet reads a node written in several regions (its body has
// regions:) as one node per region, and reports whether it was one. Its
// copies are decoded from copies of its body with region: set (at the
// position of the region in the list) and a per-region instances mapping
// replaced by the region's count, so that a fault in a field shows where
// it is written.
func (t *Topology) decodeFleet(d *yamlfile.Decoder, name string, body *yaml.Node, k *Kind) bool {
	list := yamlfile.Find(body, "regions")
	if list == nil {
		return false
	}
	if !t.decodeCopies(d, name, body, list, k) {
		// Refused: the node is kept as written, in the first region it
		// lists, so that nothing else is reported for its sake.
		written := body
		if inst := yamlfile.Find(body, "instances"); inst != nil && inst.Kind == yaml.MappingNode {
			written = d.Copy(body) // without its counts by region, refused already
			setKey(written, "instances", "instances", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: "1", Line: inst.Line, Column: inst.Column})
		}
		n := t.decodeNode(d, name, written, k)
		if n.Region == "" && !k.Global && list.Kind == yaml.SequenceNode && len(list.Content) > 0 {
			n.Region = list.Content[0].Value
		}
		t.add(n)
	}
	return true
}

// decodeCopies decodes the copies of fleet name, one per region of list,
// and reports whether it could (false: refused, at its position).
func (t *Topology) decodeCopies(d *yamlfile.Decoder, name string, body, list *yaml.Node, k *Kind) bool {
	var regions []*yaml.Node
	switch {
	case list.Kind != yaml.SequenceNode || len(list.Content) < 2:
		d.Errorf(list, "node %s: regions lists the regions of a fleet, two or more, e.g. [us-east-1, eu-west-1] (a node in one region gives region:)", name)
		return false
	case k.Global:
		d.Errorf(list, "node %s: a %s is in no region (it answers users wherever they are): leave regions out", name, k.Noun)
		return false
	case k.NoFleet != "":
		d.Errorf(list, "node %s: %s", name, k.NoFleet)
		return false
	case yamlfile.Find(body, "region") != nil:
		d.Errorf(list, "node %s gives both region and regions: one region, or a fleet in several", name)
		return false
	case yamlfile.Find(body, "host") != nil:
		d.Errorf(list, "node %s: a fleet in several regions cannot run on one host", name)
		return false
	}
	f := &fleet{}
	for _, item := range list.Content {
		region, ok := d.String(item)
		if !ok {
			return false
		}
		if slices.Contains(f.regions, region) {
			d.Errorf(item, "node %s lists region %s twice", name, region)
			return false
		}
		f.regions = append(f.regions, region)
		f.copies = append(f.copies, name+FleetSep+region)
		regions = append(regions, item)
	}
	counts := map[string]*yaml.Node{}
	if inst := yamlfile.Find(body, "instances"); inst != nil && inst.Kind == yaml.MappingNode {
		f.countsByRegion = true
		m, ok := d.Mapping(inst, "instances of "+name+" by region", nil...)
		if !ok {
			return false
		}
		for _, region := range m.Keys() {
			if !slices.Contains(f.regions, region) {
				d.Errorf(m.Key(region), "node %s gives instances for %s, which is not one of its regions (%s)%s",
					name, region, strings.Join(f.regions, ", "), yamlfile.DidYouMean(region, f.regions))
				return false
			}
			counts[region] = m.Get(region)
		}
		for _, region := range f.regions {
			if counts[region] == nil {
				d.Errorf(inst, "node %s gives no instances for %s: give each of its regions a count", name, region)
				return false
			}
		}
	}
	// Its name stays declared: a reference to it that cannot mean a copy
	// is refused by validateFleetRefs.
	t.declared = append(t.declared, f.copies...)
	if t.fleets == nil {
		t.fleets = map[string]*fleet{}
	}
	t.fleets[name] = f
	for i, region := range f.regions {
		copyBody := d.Copy(body)
		at := regions[i]
		setKey(copyBody, "regions", "region", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: region, Line: at.Line, Column: at.Column})
		if f.countsByRegion {
			setKey(copyBody, "instances", "instances", d.Copy(counts[region]))
		}
		failed, mark := d.Failed(), d.Mark()
		n := t.decodeNode(d, f.copies[i], copyBody, k)
		d.Rename(mark, f.copies[i], name) // its faults are the node's, as written
		n.fleetOf = f.copies[i]
		t.add(n)
		if !failed && d.Failed() {
			break // its other copies would say the same
		}
	}
	return true
}

// setKey replaces key old of mapping m by key new with value v (the key
// keeps old's position).
func setKey(m *yaml.Node, old, new string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == old {
			m.Content[i].Value = new
			m.Content[i+1] = v
			return
		}
	}
}

// ResolveFleets points each reference to a fleet at its copies: a node
// placed in a region refers to the copy nearest it, a dns to every copy
// (see the fleets' comment above). A node that refers to a fleet is
// decoded again from a copy of its body with the reference rewritten, so
// its settings are read as they are written. It needs the regions
// section, so the scenario calls it once that is read. A file that failed
// to decode is left as it is (its faults are reported already).
func (t *Topology) ResolveFleets(d *yamlfile.Decoder) {
	if len(t.fleets) == 0 || d.Failed() {
		return
	}
	t.fleetsResolved = true
	for _, n := range t.Nodes {
		body := t.bodies[n.Name]
		if body == nil {
			continue
		}
		var refs []Target
		for _, tg := range n.Spec.Downstream() {
			if t.fleets[tg.To] != nil {
				refs = append(refs, tg)
			}
		}
		if len(refs) == 0 {
			continue
		}
		body = d.Copy(body)
		for _, tg := range refs {
			at, path := body, []string(nil)
			for _, key := range tg.Field {
				next := child(at, key)
				if next == nil {
					break
				}
				at, path = next, append(path, key)
			}
			if at.Kind == yaml.ScalarNode && len(path) > 0 && at != body {
				// A name in a list: the list is what may be expanded.
				if _, err := strconv.Atoi(path[len(path)-1]); err == nil {
					at, path = child(body, path[0]), path[:1]
					for _, key := range tg.Field[1 : len(tg.Field)-1] {
						at, path = child(at, key), append(path, key)
					}
				}
			}
			t.rewrite(at, n, tg, strings.Join(path, "."))
			t.rewriteWeight(body, n, tg)
		}
		t.bodies[n.Name] = body
		fleetOf, mark := n.fleetOf, d.Mark()
		*n = *t.decodeNode(d, n.Name, body, n.Kind())
		n.fleetOf = fleetOf
		d.Rename(mark, n.Name, n.writtenName())
	}
}

// child is the value at key of a mapping, or item key of a list, or the
// scalar itself (a name written where a list may be); nil elsewhere.
func child(n *yaml.Node, key string) *yaml.Node {
	switch n.Kind {
	case yaml.MappingNode:
		return yamlfile.Find(n, key)
	case yaml.SequenceNode:
		if i, err := strconv.Atoi(key); err == nil && i >= 0 && i < len(n.Content) {
			return n.Content[i]
		}
	}
	return nil
}

// rewrite points the names of fleet tg.To at n (a scalar, or a list of
// names) at the copy nearest n, or, for a global node's choice among
// targets (a dns), at every copy; where that expands the list (or a name
// into one), it records which item as written each item comes from, in
// t.written under field (see writtenPath).
func (t *Topology) rewrite(at *yaml.Node, n *Node, tg Target, field string) {
	f := t.fleets[tg.To]
	every := n.Kind().Global && tg.OneOf
	names := func() []*yaml.Node {
		var out []*yaml.Node
		for _, c := range f.copies {
			out = append(out, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: c, Line: at.Line, Column: at.Column})
		}
		return out
	}
	// from is, for each item of the list before this rewrite, the item as
	// written it came from.
	from := t.written[n.Name][field]
	if from == nil && at.Kind == yaml.SequenceNode {
		for i := range at.Content {
			from = append(from, i)
		}
	}
	var origin []int
	defer func() {
		if origin != nil {
			if t.written == nil {
				t.written = map[string]map[string][]int{}
			}
			if t.written[n.Name] == nil {
				t.written[n.Name] = map[string][]int{}
			}
			t.written[n.Name][field] = origin
		}
	}()
	switch {
	case at.Kind == yaml.ScalarNode && at.Value == tg.To && every:
		at.Kind, at.Tag, at.Value, at.Content = yaml.SequenceNode, "!!seq", "", names()
		for range at.Content {
			origin = append(origin, -1)
		}
	case at.Kind == yaml.ScalarNode && at.Value == tg.To && !n.Kind().Global:
		at.Value = t.nearestCopy(n, f)
	case at.Kind == yaml.SequenceNode:
		var out []*yaml.Node
		for i, item := range at.Content {
			switch {
			case item.Kind != yaml.ScalarNode || item.Value != tg.To:
				out = append(out, item)
			case every:
				for _, c := range names() {
					c.Line, c.Column = item.Line, item.Column
					out = append(out, c)
					origin = append(origin, from[i])
				}
				continue
			case !n.Kind().Global:
				item.Value = t.nearestCopy(n, f)
				out = append(out, item)
			default:
				out = append(out, item)
			}
			origin = append(origin, from[i])
		}
		if len(out) == len(from) && slices.Equal(origin, from) && t.written[n.Name][field] == nil {
			origin = nil // as written
		}
		at.Content = out
	}
}

// rewriteWeight points a weight that a node placed in a region gives fleet
// tg.To (a balancer's weights: {app: 3}, keyed by its targets) at the copy
// its target was pointed at, the nearest; a global node's (a dns's) is
// left for validation to refuse, naming the copies to weigh.
func (t *Topology) rewriteWeight(body *yaml.Node, n *Node, tg Target) {
	weights := yamlfile.Find(body, "weights")
	if weights == nil || weights.Kind != yaml.MappingNode || n.Kind().Global {
		return
	}
	for i := 0; i+1 < len(weights.Content); i += 2 {
		if key := weights.Content[i]; key.Value == tg.To {
			key.Value = t.nearestCopy(n, t.fleets[tg.To])
		}
	}
}

// writtenPath is the path as written in the file of a field of node name
// (after its name): an index into a list ResolveFleets expanded is the
// index of the item it came from (dropped for a single name written
// without a list).
func (t *Topology) writtenPath(name string, path []string) []string {
	for field, origin := range t.written[name] {
		keys := strings.Split(field, ".")
		if field == "" || len(path) <= len(keys) || !slices.Equal(path[:len(keys)], keys) {
			continue
		}
		i, err := strconv.Atoi(path[len(keys)])
		if err != nil || i < 0 || i >= len(origin) {
			continue
		}
		out := slices.Clone(path[:len(keys)])
		if origin[i] >= 0 {
			out = append(out, strconv.Itoa(origin[i]))
		}
		return append(out, path[len(keys)+1:]...)
	}
	return path
}

// nearestCopy is the copy of f nearest node n: the least round trip from
// n's region (a pair neither the catalogue nor the file gives counts as
// farthest; validation refuses it), the first written on a tie.
func (t *Topology) nearestCopy(n *Node, f *fleet) string {
	r := t.Regions
	name := n.Region
	if name == "" && r != nil {
		name = r.Default
	}
	from := r.Region(name)
	best, bestRTT := 0, math.Inf(1)
	for i, region := range f.regions {
		rtt, ok := r.rtt(from, r.Region(region))
		if ok && rtt < bestRTT {
			best, bestRTT = i, rtt
		}
	}
	return f.copies[best]
}

// copiesLongestFirst is the names of every fleet's copies, longest first
// (then in order), so that none is found or replaced inside another.
func (t *Topology) copiesLongestFirst() []string {
	var copies []string
	for _, f := range t.fleets {
		copies = append(copies, f.copies...)
	}
	slices.SortFunc(copies, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	return copies
}

// AsWritten is msg with every copy of a fleet named by the fleet, as the
// file writes it (app@us-east-1 → app): for what is said of the node as
// written, such as a note the same of each copy.
func (t *Topology) AsWritten(msg string) string {
	for _, c := range t.copiesLongestFirst() {
		base, _, _ := strings.Cut(c, FleetSep)
		msg = strings.ReplaceAll(msg, c, base)
	}
	return msg
}

// OncePerFleet is lines (notes, findings) with those the same of several
// copies of a fleet said once, of the node as written (app, not
// app@us-east-1 and app@eu-west-1), in the place of the first; a line of
// one copy alone keeps its name.
func (t *Topology) OncePerFleet(lines []string) []string {
	if len(t.fleets) == 0 {
		return lines
	}
	count := map[string]int{}
	for _, l := range lines {
		count[t.AsWritten(l)]++
	}
	out := lines[:0:0]
	for _, l := range lines {
		if w := t.AsWritten(l); count[w] > 1 {
			if !slices.Contains(out, w) {
				out = append(out, w)
			}
			continue
		}
		out = append(out, l)
	}
	return out
}

// NotesAsWritten is notes (the estimate's) with every copy of a fleet
// named by the node as the file writes it: a note the same of every copy
// once, of the fleet (app: ..., as OncePerFleet says it); a note of some
// of its copies once, of the fleet in their regions (app in eu-west-1: ...,
// app in us-east-1 and eu-west-1: ...); a note that names several copies
// of one fleet (a list of nodes) each as the fleet in its region.
func (t *Topology) NotesAsWritten(notes []string) []string {
	if len(t.fleets) == 0 {
		return notes
	}
	copies := t.copiesLongestFirst()
	// named lists the copies a note names, each once.
	named := func(note string) []string {
		var in []string
		for _, c := range copies {
			if strings.Contains(note, c) {
				in = append(in, c)
				note = strings.ReplaceAll(note, c, FleetSep) // not found again inside a longer one
			}
		}
		return in
	}
	// The notes alike but for their copies, in the order first given, and
	// the regions each fleet is named in among them.
	type alike struct {
		first   string
		regions map[string][]string
		apart   bool // it names several copies of one fleet
	}
	var order []string
	groups := map[string]*alike{}
	for _, note := range notes {
		w := t.AsWritten(note)
		g := groups[w]
		if g == nil {
			g = &alike{first: note, regions: map[string][]string{}}
			groups[w] = g
			order = append(order, w)
		}
		seen := map[string]bool{}
		for _, c := range named(note) {
			base, region, _ := strings.Cut(c, FleetSep)
			g.apart = g.apart || seen[base]
			seen[base] = true
			if !slices.Contains(g.regions[base], region) {
				g.regions[base] = append(g.regions[base], region)
			}
		}
	}
	out := make([]string, 0, len(order))
	for _, w := range order {
		g := groups[w]
		note := g.first
		for _, c := range named(g.first) {
			base, region, _ := strings.Cut(c, FleetSep)
			f := t.fleets[base]
			in := []string{region}
			if !g.apart {
				in = nil
				for _, r := range f.regions { // in the order the file lists them
					if slices.Contains(g.regions[base], r) {
						in = append(in, r)
					}
				}
			}
			label := base
			if len(in) < len(f.regions) {
				label = base + " in " + listed(in)
			}
			note = strings.ReplaceAll(note, c, label)
		}
		out = append(out, note)
	}
	return out
}

// listed is a, a and b, or a, b and c.
func listed(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// WrittenName is the name of node name as the file writes it: its
// fleet's for a copy of a node in several regions, else name itself.
func (t *Topology) WrittenName(name string) string {
	if n := t.byName[name]; n != nil {
		return n.writtenName()
	}
	return name
}

// fleetErrors shows the errors about a copy at the fleet as written: the
// node's name, its region at the list's item, a per-region count at its
// region's key, an item of a list of names that ResolveFleets expanded at
// the item as written (writtenPath). The same fault of several copies (of
// the node, or of a fleet it names) is shown once, naming the fleets as
// written.
func (t *Topology) fleetErrors(errs []error) []error {
	if len(t.fleets) == 0 {
		return errs
	}
	asWritten := t.AsWritten
	type shown struct {
		err   *field.Error
		times int
		copy  string // the copy it is about, if it is one
	}
	var out []error
	byKey := map[string]*shown{}
	var keys []*shown
	for _, err := range errs {
		fe, ok := err.(*field.Error)
		if !ok || len(fe.Path) < 2 || fe.Path[0] != "nodes" {
			out = append(out, err)
			continue
		}
		n := t.byName[fe.Path[1]]
		if n == nil {
			out = append(out, err)
			continue
		}
		c := *fe
		c.Path = append([]string{"nodes", n.Name}, t.writtenPath(n.Name, fe.Path[2:])...)
		c.Given = nil
		for _, g := range fe.Given { // a copy's fields, as written
			if len(g) > 1 && g[0] == "nodes" && t.byName[g[1]] != nil {
				g = t.byName[g[1]].Path(g[2:]...)
			}
			c.Given = append(c.Given, g)
		}
		if n.fleetOf != "" {
			name, region := n.Fleet()
			f := t.fleets[name]
			c.Path = append([]string{"nodes", name}, c.Path[2:]...)
			switch {
			case len(c.Path) > 2 && c.Path[2] == "region":
				c.Path = []string{"nodes", name, "regions", strconv.Itoa(slices.Index(f.regions, region))}
			case len(c.Path) == 3 && c.Path[2] == "instances" && f.countsByRegion:
				c.Path = append(c.Path, region)
			}
		}
		key := c.Where() + "\x00" + strconv.FormatBool(c.AtKey) + "\x00" + asWritten(c.Msg)
		if s := byKey[key]; s != nil {
			s.times++
			continue
		}
		s := &shown{err: &c, times: 1, copy: n.fleetOf}
		byKey[key] = s
		keys = append(keys, s)
		out = append(out, s.err)
	}
	// A fault of every copy is the fleet's, as written; a fault of one
	// copy names the node as written too (its place in the file says
	// which copy: its region's count or item), and any other copies as
	// they are (a list of copies to choose from).
	for _, s := range keys {
		if s.times > 1 {
			s.err.Msg = asWritten(s.err.Msg)
		} else if s.copy != "" {
			s.err.Msg = strings.ReplaceAll(s.err.Msg, s.copy, t.byName[s.copy].writtenName())
		}
	}
	return out
}

// validateFleetRefs refuses a reference to a fleet that ResolveFleets could
// not point at a copy: the entry (one node), a fault's or a deploy's node,
// the one node a global kind sends to (a CDN's origin).
func (t *Topology) validateFleetRefs(e field.Errors) {
	if len(t.fleets) == 0 {
		return
	}
	copies := func(name string) string { return strings.Join(t.fleets[name].copies, ", ") }
	if t.fleets[t.Entry] != nil {
		e.Add("entry", "the entry %s is in several regions (%s): requests arrive at one node; put a dns in front of it (targets: [%s]) or name one copy",
			t.Entry, copies(t.Entry), t.Entry)
	}
	for i, f := range t.Faults {
		if t.fleets[f.Node] != nil {
			e.In("faults", strconv.Itoa(i)).Add("node", "%s is in several regions (%s): a fault strikes one copy, or a region (region: REGION)", f.Node, copies(f.Node))
		}
	}
	for i, p := range t.Deploys {
		if t.fleets[p.Node] != nil {
			e.In("deploy", strconv.Itoa(i)).Add("node", "%s is in several regions (%s): a deploy replaces one copy's instances; name one copy, or give each copy a deploy of its own", p.Node, copies(p.Node))
		}
	}
	for _, n := range t.Nodes {
		for _, tg := range n.Spec.Downstream() {
			if t.fleetsResolved && t.fleets[tg.To] != nil {
				e.In("nodes", n.Name).In(tg.Field...).Add("", "%s is in several regions (%s): a %s sends to one node here; name one copy",
					tg.To, copies(tg.To), n.Kind().Noun)
			}
		}
	}
}
