package main

import (
	"fmt"
	"math"
	"strings"
)

// A tsPanel is one time-series chart: lines against seconds, on a left
// axis (linear or log) and optionally a right one, with dashed reference
// lines and labelled markers.
type tsPanel struct {
	title             string
	left, right       string // axis labels; right "" for none
	logLeft           bool
	series            []tsSeries
	refs              []tsRef
	marks             []tsMark
	seconds           int
	leftMax, rightMax float64 // 0: from the data
}

type tsSeries struct {
	name  string
	color string
	right bool      // on the right axis
	step  bool      // a step line (worker counts)
	ys    []float64 // one per second; NaN: no point
}

type tsRef struct {
	name  string
	color string
	right bool
	y     float64
}

type tsMark struct {
	t     float64 // seconds
	label string
}

const (
	tsW, tsH           = 560, 300
	tsL, tsR, tsT, tsB = 64, 64, 34, 64
)

// tsChart draws panels in a grid of cols columns as one SVG.
func tsChart(title string, cols int, panels []tsPanel) string {
	rows := (len(panels) + cols - 1) / cols
	w, h := tsW*cols, tsH*rows+28
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n", w, h, w, h)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="18" text-anchor="middle" font-size="14" font-weight="bold">%s</text>`+"\n", w/2, escape(title))
	for i, p := range panels {
		drawTS(&b, float64((i%cols)*tsW), float64(28+(i/cols)*tsH), p)
	}
	b.WriteString("</svg>\n")
	return b.String()
}

func drawTS(b *strings.Builder, ox, oy float64, p tsPanel) {
	x0, x1 := ox+tsL, ox+tsW-tsR
	y0, y1 := oy+tsH-tsB, oy+tsT
	lmax, rmax := p.leftMax, p.rightMax
	lmin := math.Inf(1)
	for _, s := range p.series {
		for _, y := range s.ys {
			if math.IsNaN(y) {
				continue
			}
			if s.right {
				if p.rightMax == 0 {
					rmax = math.Max(rmax, y)
				}
			} else {
				if p.leftMax == 0 {
					lmax = math.Max(lmax, y)
				}
				if y > 0 {
					lmin = math.Min(lmin, y)
				}
			}
		}
	}
	for _, r := range p.refs {
		if r.right {
			rmax = math.Max(rmax, r.y)
		} else {
			lmax = math.Max(lmax, r.y)
			lmin = math.Min(lmin, r.y)
		}
	}
	var lo, hi float64 // left axis range (log10 when logLeft)
	if p.logLeft {
		if math.IsInf(lmin, 1) {
			lmin = 1
		}
		lo, hi = math.Floor(math.Log10(lmin)), math.Ceil(math.Log10(math.Max(lmax, lmin*10)))
	} else {
		lo, hi = 0, niceCeil(lmax)
	}
	rmax = niceCeil(rmax)
	xAt := func(t float64) float64 { return x0 + t/float64(max(p.seconds, 1))*(x1-x0) }
	yLeft := func(v float64) float64 {
		if p.logLeft {
			if v <= 0 {
				return math.NaN()
			}
			return y0 - (math.Log10(v)-lo)/(hi-lo)*(y0-y1)
		}
		return y0 - v/hi*(y0-y1)
	}
	yRight := func(v float64) float64 { return y0 - v/rmax*(y0-y1) }

	fmt.Fprintf(b, `<text x="%.0f" y="%.0f" text-anchor="middle" font-size="12" font-weight="bold">%s</text>`+"\n", (x0+x1)/2, oy+16, escape(p.title))
	fmt.Fprintf(b, `<rect x="%.0f" y="%.0f" width="%.0f" height="%.0f" fill="none" stroke="#999"/>`+"\n", x0, y1, x1-x0, y0-y1)
	// Left ticks.
	if p.logLeft {
		for e := lo; e <= hi; e++ {
			y := yLeft(math.Pow(10, e))
			fmt.Fprintf(b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#eee"/>`+"\n", x0, y, x1, y)
			fmt.Fprintf(b, `<text x="%.0f" y="%.1f" text-anchor="end">%s</text>`+"\n", x0-4, y+4, short(math.Pow(10, e)))
		}
	} else {
		for k := 0; k <= 4; k++ {
			v := hi * float64(k) / 4
			y := yLeft(v)
			fmt.Fprintf(b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#eee"/>`+"\n", x0, y, x1, y)
			fmt.Fprintf(b, `<text x="%.0f" y="%.1f" text-anchor="end">%s</text>`+"\n", x0-4, y+4, short(v))
		}
	}
	if p.right != "" {
		for k := 0; k <= 4; k++ {
			v := rmax * float64(k) / 4
			fmt.Fprintf(b, `<text x="%.0f" y="%.1f">%s</text>`+"\n", x1+4, yRight(v)+4, short(v))
		}
		fmt.Fprintf(b, `<text transform="translate(%.0f %.0f) rotate(90)" text-anchor="middle">%s</text>`+"\n", ox+tsW-10, (y0+y1)/2, escape(p.right))
	}
	fmt.Fprintf(b, `<text transform="translate(%.0f %.0f) rotate(-90)" text-anchor="middle">%s</text>`+"\n", ox+14, (y0+y1)/2, escape(p.left))
	step := 5
	if p.seconds > 60 {
		step = 10
	}
	for t := 0; t <= p.seconds; t += step {
		fmt.Fprintf(b, `<text x="%.1f" y="%.0f" text-anchor="middle">%d</text>`+"\n", xAt(float64(t)), y0+14, t)
	}
	fmt.Fprintf(b, `<text x="%.0f" y="%.0f" text-anchor="middle">seconds</text>`+"\n", (x0+x1)/2, y0+28)

	for _, m := range p.marks {
		x := xAt(m.t)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="#bbb" stroke-dasharray="2,3"/>`+"\n", x, y1, x, y0)
		if m.label != "" {
			fmt.Fprintf(b, `<text x="%.1f" y="%.0f" font-size="9" fill="#777" text-anchor="middle">%s</text>`+"\n", x, y1-3, escape(m.label))
		}
	}
	for _, r := range p.refs {
		y := yLeft(r.y)
		if r.right {
			y = yRight(r.y)
		}
		fmt.Fprintf(b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="%s" stroke-dasharray="6,4"/>`+"\n", x0, y, x1, y, r.color)
	}
	for _, s := range p.series {
		var pts []string
		for i, v := range s.ys {
			if math.IsNaN(v) {
				continue
			}
			y := yLeft(v)
			if s.right {
				y = yRight(v)
			}
			if math.IsNaN(y) {
				continue
			}
			if s.step && len(pts) > 0 {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", xAt(float64(i)), y))
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", xAt(float64(i)+0.5), y))
		}
		if s.step {
			// A step line: each value holds until the next.
			var st []string
			var lastY string
			for _, xy := range pts {
				x, y, _ := strings.Cut(xy, ",")
				if lastY != "" && y != lastY {
					st = append(st, x+","+lastY)
				}
				st = append(st, xy)
				lastY = y
			}
			pts = st
		}
		fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="1.8"/>`+"\n", strings.Join(pts, " "), s.color)
	}
	// Legend under the axis.
	lx := x0
	items := make([][2]string, 0, len(p.series)+len(p.refs))
	for _, s := range p.series {
		items = append(items, [2]string{s.name, s.color})
	}
	for _, r := range p.refs {
		items = append(items, [2]string{r.name, r.color})
	}
	ly := y0 + 44
	for _, it := range items {
		wdt := 18 + 6.2*float64(len([]rune(it[0])))
		if lx+wdt > x1+tsR-4 {
			lx, ly = x0, ly+13
		}
		fmt.Fprintf(b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="%s" stroke-width="2"/>`+"\n", lx, ly-4, lx+12, ly-4, it[1])
		fmt.Fprintf(b, `<text x="%.0f" y="%.0f">%s</text>`+"\n", lx+15, ly, escape(it[0]))
		lx += wdt + 8
	}
}
