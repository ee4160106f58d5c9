package plots

import (
	"bytes"
	"cmp"
	"fmt"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/scalesim/scalesim/internal/output"
)

// CheckDir makes dir if needed and checks that files can be written in it,
// so that a long sweep does not find out at its end.
func CheckDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	f, err := os.CreateTemp(dir, ".scalesim-check-*")
	if err != nil {
		return fmt.Errorf("plots: cannot write in %s: %w", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// Write renders each figure into dir as NAME.png (at twice a screen's
// resolution) and NAME.svg, and returns the paths written. Each file is
// written under a temporary name and renamed when complete, so a failure
// never leaves a partial figure.
func Write(dir string, figs []Figure) ([]string, error) {
	if err := CheckDir(dir); err != nil {
		return nil, err
	}
	var paths []string
	for _, f := range figs {
		for _, ext := range []string{"png", "svg"} {
			path := filepath.Join(dir, f.Name+"."+ext)
			if err := save(f, path, ext); err != nil {
				return nil, fmt.Errorf("plots: %s: %w", path, err)
			}
			paths = append(paths, path)
		}
	}
	return paths, nil
}

// save draws f as format (png or svg) into a temporary file beside path,
// then renames it.
func save(f Figure, path, format string) (err error) {
	defer func() {
		if r := recover(); r != nil { // gonum/plot panics on some degenerate axes
			err = fmt.Errorf("drawing failed: %v", r)
		}
	}()
	var b bytes.Buffer
	switch format {
	case "png":
		c := vgimg.NewWith(vgimg.UseWH(figWidth, figHeight), vgimg.UseDPI(pngDPI))
		f.draw(draw.New(c))
		if err := (&png.Encoder{CompressionLevel: png.DefaultCompression}).Encode(&b, c.Image()); err != nil {
			return err
		}
	case "svg":
		c := vgsvg.New(figWidth, figHeight)
		f.draw(draw.New(c))
		if _, err := c.WriteTo(&b); err != nil {
			return err
		}
		// Fonts are not embedded (that would add the typeface to every
		// file): a viewer without Liberation Sans takes Arial or Helvetica,
		// which have its metrics, so the text keeps the width laid out.
		b = *bytes.NewBuffer(bytes.ReplaceAll(b.Bytes(), []byte("font-family:"+svgFont+";"), []byte("font-family:"+svgFonts+";")))
	default:
		return fmt.Errorf("unknown format %q", format)
	}
	return output.WriteFile(path, func(out io.Writer) error {
		_, err := b.WriteTo(out)
		return err
	})
}

// svgFont is how an SVG names the figures' typeface, and svgFonts the
// list it names instead: the typeface, then those of the same metrics.
const (
	svgFont  = "Liberation Sans"
	svgFonts = "'Liberation Sans',Arial,Helvetica,sans-serif"
)

// layout is what a figure's drawing decides before it draws: the axes,
// which lines carry markers, and the legend.
type layout struct {
	X, Y axisView
	// Markers says, per line, whether each of its points is marked.
	Markers []bool
	Legend  []legendEntry
	// Empty says there is nothing to draw.
	Empty bool
}

// legendEntry is one entry of the legend: a line's sample, a marker, or
// both, and its text.
type legendEntry struct {
	Label  string
	Color  string
	Line   bool
	Marker bool
	Hollow bool // the ring that marks a bisection's runs
}

// refinedLabel is the legend's entry for the runs a sweep placed after its
// grid: its bisection's and those at its bend.
const refinedLabel = "refining runs"

// drawn is whether a point has a place on the axes (a log axis has none
// for 0 or below).
func (f Figure) drawn(pt [2]float64) bool {
	return (!f.X.Log || pt[0] > 0) && (!f.Y.Log || pt[1] > 0) && !math.IsNaN(pt[0]) && !math.IsNaN(pt[1])
}

// layout decides the axes from the data, the markers by the marker rule,
// and the legend: an entry per line when there are two or more (or one
// node's), one for the bisection's runs; thresholds, markers, spans and events are
// labelled where they are drawn, never in the legend.
func (f Figure) layout() layout {
	var l layout
	minX, maxX, minY, maxY := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	refined, shown := false, 0
	for _, ln := range f.Lines {
		n := 0
		for _, pt := range ln.Points {
			if !f.drawn(pt) {
				continue
			}
			n++
			minX, maxX, minY, maxY = math.Min(minX, pt[0]), math.Max(maxX, pt[0]), math.Min(minY, pt[1]), math.Max(maxY, pt[1])
		}
		if n > 0 {
			shown++
		}
		refined = refined || len(ln.Refined) > 0
		l.Markers = append(l.Markers, n > 0 && marked(n))
	}
	l.Empty = math.IsInf(minX, 1)
	if l.Empty {
		l.X, l.Y = Axis{Label: f.X.Label, Unit: f.X.Unit}.view(0, 1, false), Axis{Label: f.Y.Label, Unit: f.Y.Unit}.view(0, 1, false)
		return l
	}
	for _, m := range f.HLines {
		if !f.Y.Log || m.Value > 0 {
			minY, maxY = math.Min(minY, m.Value), math.Max(maxY, m.Value)
		}
	}
	for _, m := range f.VLines {
		if !f.X.Log || m.Value > 0 {
			minX, maxX = math.Min(minX, m.Value), math.Max(maxX, m.Value)
		}
	}
	l.X, l.Y = f.X.view(minX, maxX, false), f.Y.view(minY, maxY, true)
	// One series goes without an entry when the axis names it (p99, error
	// rate), not when it is a node's.
	if shown >= 2 || (shown == 1 && slices.ContainsFunc(f.Lines, func(ln Line) bool { return isNode(ln.Color) && len(ln.Points) > 0 })) {
		for i, ln := range f.Lines {
			if len(ln.Points) > 0 {
				l.Legend = append(l.Legend, legendEntry{Label: ln.Label, Color: ln.Color, Line: true, Marker: l.Markers[i]})
			}
		}
	}
	if refined {
		l.Legend = append(l.Legend, legendEntry{Label: refinedLabel, Marker: true, Hollow: true})
	}
	return l
}

// draw draws the figure on c: its title, legend and the strip of spans'
// and events' labels above the plot, then the plot.
func (f Figure) draw(c draw.Canvas) {
	l := f.layout()
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	in := draw.Crop(c, margin, -margin, margin/2, -margin)
	top := in.Max.Y

	title := f.Title
	if l.Empty {
		title += " (no data)"
	}
	ts := textStyle(titleSize, ink, draw.XLeft, draw.YTop)
	ts.Font = textFont(titleSize, true)
	in.FillText(ts, vg.Point{X: in.Min.X, Y: top}, title)
	top -= ts.Height(title) + 4

	top = drawLegend(in, top, l.Legend)
	stripTop := top

	// The axes' labels are drawn here, not by gonum/plot, which places a
	// log axis's label (and pads the plot for it) at the arithmetic middle
	// of its range.
	p := f.plot(l)
	label := textStyle(labelSize, ink, draw.XCenter, draw.YBottom)
	area := draw.Crop(in, label.Height(l.Y.Label)+4, 0, label.Height(l.X.Label)+2, 0)
	// The data area's horizontal extent does not depend on its height:
	// the spans' labels are placed in rows before the height is known.
	across := p.DataCanvas(area)
	trAcross, _ := p.Transforms(&across)
	labels, rows := f.placeSpanLabels(in, across, trAcross)
	top -= vg.Length(vg.Length(rows) * spanRowHeight) // rounded: no fused multiply-add (scripts/check-fma.sh)
	if len(f.Events) > 0 {
		top -= noteSize + 3 + eventTick + 2
	}
	area.Max.Y = top
	p.Draw(area)
	dc := p.DataCanvas(area)
	in.FillText(label, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: in.Min.Y}, l.X.Label)
	label.Rotation, label.YAlign = math.Pi/2, draw.YTop
	in.FillText(label, vg.Point{X: in.Min.X, Y: (dc.Min.Y + dc.Max.Y) / 2}, l.Y.Label)
	if l.Empty {
		return
	}
	trX, trY := p.Transforms(&dc)
	for _, sl := range labels {
		in.FillText(sl.style, vg.Point{X: sl.x, Y: stripTop - vg.Length(vg.Length(sl.row)*spanRowHeight)}, sl.text)
	}
	y := stripTop - vg.Length(vg.Length(rows)*spanRowHeight)
	if len(f.Events) > 0 {
		note := textStyle(noteSize, softInk, draw.XLeft, draw.YTop)
		in.FillText(note, vg.Point{X: dc.Min.X, Y: y}, f.EventsLabel)
		y -= noteSize + 3
		for _, e := range f.Events {
			x := trX(e.At)
			if x < dc.Min.X-0.5 || x > dc.Max.X+0.5 {
				continue
			}
			clr, _ := seriesStyle(e.Color)
			in.StrokeLine2(draw.LineStyle{Color: clr, Width: vg.Points(1)}, x, y, x, y-eventTick)
		}
	}
	f.drawMarkerLabels(dc, trX, trY)
}

// drawLegend draws the entries in rows from top down, wrapping at the
// canvas's width, and returns the top of what comes below.
func drawLegend(c draw.Canvas, top vg.Length, entries []legendEntry) vg.Length {
	if len(entries) == 0 {
		return top
	}
	st := textStyle(tickSize, ink, draw.XLeft, draw.YCenter)
	rowH := vg.Length(tickSize) * 1.5
	x, y := c.Min.X, top-rowH/2
	for _, e := range entries {
		w := sampleLen + 4 + st.Width(e.Label)
		if x > c.Min.X && x+w > c.Max.X {
			x, y = c.Min.X, y-rowH
		}
		clr, _ := seriesStyle(e.Color)
		if e.Line {
			c.StrokeLine2(lineStyle(e.Color), x, y, x+sampleLen, y)
		}
		if e.Marker {
			c.DrawGlyph(glyph(clr, e.Hollow), vg.Point{X: x + sampleLen/2, Y: y})
		}
		c.FillText(st, vg.Point{X: x + sampleLen + 4, Y: y}, e.Label)
		x += w + legendGap
	}
	return y - rowH/2 - 2
}

// glyph is a series' marker, or the ring of a bisection's run.
func glyph(c color.Color, hollow bool) draw.GlyphStyle {
	if hollow {
		return draw.GlyphStyle{Color: c, Radius: vg.Points(markerSize + 1.5), Shape: draw.RingGlyph{}}
	}
	return draw.GlyphStyle{Color: c, Radius: vg.Points(markerSize), Shape: draw.CircleGlyph{}}
}

// plot builds the gonum plot of the data area: axes, grid, spans, lines,
// thresholds and markers; its title and legend are drawn apart.
func (f Figure) plot(l layout) *plot.Plot {
	p := plot.New()
	for _, a := range []struct {
		ax *plot.Axis
		v  axisView
	}{{&p.X, l.X}, {&p.Y, l.Y}} {
		a.ax.Min, a.ax.Max = a.v.Min, a.v.Max
		a.ax.Tick.Label.Font = textFont(tickSize, false)
		a.ax.Tick.Label.Color = ink
		a.ax.Tick.Marker = plot.ConstantTicks(a.v.Ticks)
		a.ax.Color, a.ax.Tick.Color = softInk, softInk
		a.ax.Padding = vg.Points(2)
		if a.v.Log {
			a.ax.Scale = plot.LogScale{}
		}
	}
	grid := plotter.NewGrid()
	grid.Vertical.Color, grid.Horizontal.Color = gridInk, gridInk
	grid.Vertical.Width, grid.Horizontal.Width = vg.Points(0.5), vg.Points(0.5)
	p.Add(grid)
	if l.Empty {
		return p
	}
	if len(f.Spans) > 0 {
		p.Add(spanShade(f.Spans))
	}
	for _, m := range f.HLines {
		p.Add(rule{value: m.Value, horizontal: true, style: draw.LineStyle{Color: sloInk, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(6), vg.Points(3)}}})
	}
	for _, m := range f.VLines {
		p.Add(rule{value: m.Value, style: draw.LineStyle{Color: markInk, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(2), vg.Points(2)}}})
	}
	order := make([]int, len(f.Lines))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(layer(f.Lines[a].Color), layer(f.Lines[b].Color)) })
	for _, i := range order {
		if band := f.band(f.Lines[i]); band != nil {
			p.Add(band)
		}
	}
	for _, i := range order {
		ln := f.Lines[i]
		xys := plotter.XYs{}
		for _, pt := range ln.Points {
			if f.drawn(pt) {
				xys = append(xys, plotter.XY{X: pt[0], Y: pt[1]})
			}
		}
		if len(xys) == 0 {
			continue
		}
		clr, _ := seriesStyle(ln.Color)
		line := &plotter.Line{XYs: xys, LineStyle: lineStyle(ln.Color)}
		if f.Y.Whole {
			line.StepStyle = plotter.MidStep // a count changes between samples, by steps
		}
		p.Add(line)
		if l.Markers[i] {
			p.Add(&plotter.Scatter{XYs: xys, GlyphStyle: glyph(clr, false)})
		}
		var ref plotter.XYs
		for _, pt := range ln.Refined {
			if f.drawn(pt) {
				ref = append(ref, plotter.XY{X: pt[0], Y: pt[1]})
			}
		}
		if len(ref) > 0 {
			p.Add(&plotter.Scatter{XYs: ref, GlyphStyle: glyph(clr, true)})
		}
	}
	return p
}

// bandAlpha is the opacity of a confidence band in its series' colour.
const bandAlpha = 0x40

// band is ln's confidence band as a shaded polygon (along the lows, back
// along the highs), nil without one. A point without a place on a log
// axis leaves the band out there.
func (f Figure) band(ln Line) *plotter.Polygon {
	var lo, hi plotter.XYs
	for _, b := range ln.Band {
		if f.drawn([2]float64{b[0], b[1]}) && f.drawn([2]float64{b[0], b[2]}) {
			lo = append(lo, plotter.XY{X: b[0], Y: b[1]})
			hi = append(hi, plotter.XY{X: b[0], Y: b[2]})
		}
	}
	if len(lo) < 2 {
		return nil
	}
	slices.Reverse(hi)
	poly, err := plotter.NewPolygon(append(lo, hi...))
	if err != nil {
		return nil
	}
	c, _ := seriesStyle(ln.Color)
	r, g, b, _ := c.RGBA()
	poly.Color = color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), bandAlpha}
	poly.LineStyle.Width = 0
	return poly
}

// rule is a threshold across the data area or a marker up it.
type rule struct {
	value      float64
	horizontal bool
	style      draw.LineStyle
}

// Plot implements plot.Plotter.
func (r rule) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	if r.horizontal {
		y := trY(r.value)
		c.StrokeLine2(r.style, c.Min.X, y, c.Max.X, y)
		return
	}
	x := trX(r.value)
	c.StrokeLine2(r.style, x, c.Min.Y, x, c.Max.Y)
}

// spanShade shades spans the full height of the data area; a step (no
// width) is a line.
type spanShade []Span

// Plot implements plot.Plotter.
func (s spanShade) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	for _, sp := range s {
		x0, x1 := max(trX(sp.From), c.Min.X), min(trX(sp.To), c.Max.X)
		if x1 < c.Min.X || x0 > c.Max.X {
			continue
		}
		fill := spanFill[sp.Kind]
		if x1-x0 < vg.Points(1.5) {
			solid := fill
			solid.A = 0x99
			c.StrokeLine2(draw.LineStyle{Color: solid, Width: vg.Points(1)}, x0, c.Min.Y, x0, c.Max.Y)
			continue
		}
		c.FillPolygon(fill, []vg.Point{{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y}})
	}
}

// spanRowHeight is the height of a row of spans' labels.
const spanRowHeight = noteSize + 4

// maxSpanRows bounds the rows of spans' labels.
const maxSpanRows = 3

// spanLabel is a span's label placed in a row above the data area.
type spanLabel struct {
	text  string
	x     vg.Length
	row   int
	style draw.TextStyle
}

// placeSpanLabels places each span's label once (a label repeated, such
// as a fault every minute, is written at its first span), at the span's
// start, in the first row where it runs into no other label; one that
// fits in no row is left out. It returns the labels and the rows used.
func (f Figure) placeSpanLabels(c, dc draw.Canvas, trX func(float64) vg.Length) ([]spanLabel, int) {
	var out []spanLabel
	seen := map[string]bool{}
	right := make([]vg.Length, maxSpanRows) // each row's right end so far
	for i := range right {
		right[i] = vg.Length(math.Inf(-1))
	}
	rows := 0
	for _, sp := range f.Spans {
		if sp.Label == "" || seen[sp.Label] {
			continue
		}
		x := trX(sp.From)
		if x < dc.Min.X-0.5 || x > dc.Max.X {
			continue
		}
		clr := spanFill[sp.Kind]
		clr.A = 0xFF
		st := textStyle(noteSize, clr, draw.XLeft, draw.YTop)
		w := st.Width(sp.Label)
		x = min(x, c.Max.X-w)
		for row := range right {
			if x >= right[row]+6 {
				out = append(out, spanLabel{text: sp.Label, x: x, row: row, style: st})
				seen[sp.Label], right[row], rows = true, x+w, max(rows, row+1)
				break
			}
		}
	}
	return out, rows
}

// drawMarkerLabels writes each threshold's label above its right end (or
// below it, near the top), and each marker's beside its top (to its right
// when there is room).
func (f Figure) drawMarkerLabels(dc draw.Canvas, trX, trY func(float64) vg.Length) {
	for _, m := range f.HLines {
		y := trY(m.Value)
		if y < dc.Min.Y || y > dc.Max.Y {
			continue
		}
		st := textStyle(noteSize, sloInk, draw.XRight, draw.YBottom)
		h, w := st.Height(m.Label), st.Width(m.Label)
		lo, hi := y+2, y+2+h // above the line, or below it near the top
		if hi+2 > dc.Max.Y {
			st.YAlign, lo, hi = draw.YTop, y-2-h, y-2
		}
		// At the right end, or at the left where fewer points are in the way.
		x := dc.Max.X - 2
		if f.pointsIn(trX, trY, dc.Min.X+2, dc.Min.X+2+w, lo, hi) < f.pointsIn(trX, trY, x-w, x, lo, hi) {
			st.XAlign, x = draw.XLeft, dc.Min.X+2
		}
		pos := y + 2
		if st.YAlign == draw.YTop {
			pos = y - 2
		}
		dc.FillText(st, vg.Point{X: x, Y: pos}, m.Label)
	}
	for _, m := range f.VLines {
		x := trX(m.Value)
		if x < dc.Min.X || x > dc.Max.X {
			continue
		}
		st := textStyle(noteSize, markInk, draw.XLeft, draw.YTop)
		pos := x + 3
		if x+3+st.Width(m.Label) > dc.Max.X {
			st.XAlign, pos = draw.XRight, x-3
		}
		dc.FillText(st, vg.Point{X: pos, Y: dc.Max.Y - 2}, m.Label)
	}
}

// pointsIn counts the points of the lines drawn inside a rectangle of the
// canvas, widened by a few points.
func (f Figure) pointsIn(trX, trY func(float64) vg.Length, x0, x1, y0, y1 vg.Length) int {
	const pad = 4
	n := 0
	for _, ln := range f.Lines {
		for _, pt := range ln.Points {
			if !f.drawn(pt) {
				continue
			}
			if x, y := trX(pt[0]), trY(pt[1]); x >= x0-pad && x <= x1+pad && y >= y0-pad && y <= y1+pad {
				n++
			}
		}
	}
	return n
}
