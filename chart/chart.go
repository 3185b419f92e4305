// Package chart draws the reliability charts (docs/metrics.md) as SVG on
// the server: readable without JavaScript, embeddable as an image in a
// page or a postmortem export. It draws what it is given; the figures
// come from warroom's reports.
package chart

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// Size of every chart, in SVG user units; the viewBox lets it scale.
const (
	width, height                   = 720, 320
	marginLeft, marginRight         = 64, 16
	marginTop, marginBottom         = 40, 56
	plotWidth                       = width - marginLeft - marginRight
	plotHeight                      = height - marginTop - marginBottom
	legendY                         = height - 14
	fontSize                        = 12
	colourCount                     = 8
	ticks                           = 4
	barGap                  float64 = 0.25
)

// palette holds colours told apart by people with the common colour
// vision deficiencies (Okabe and Ito's).
var palette = [colourCount]string{"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"}

// Series is one line of a line chart: a value per category, NaN where
// there is none (drawn as a gap, never as zero).
type Series struct {
	Name   string
	Values []float64
}

// Stack is one segment kind of a stacked bar chart: its value in each
// category.
type Stack struct {
	Name   string
	Values []float64
}

// Line draws series over categories (months, say), the y axis formatted
// by format (a duration in seconds as "1h30m", say).
func Line(title string, categories []string, series []Series, format func(float64) string) string {
	c := newCanvas(title, categories)
	top := 0.0
	for _, s := range series {
		for _, v := range s.Values {
			if !math.IsNaN(v) {
				top = max(top, v)
			}
		}
	}
	c.axes(top, format)
	step := float64(plotWidth) / float64(max(len(categories)-1, 1))
	for i, s := range series {
		colour := palette[i%colourCount]
		var path strings.Builder
		pen := false
		for k := range categories {
			if k >= len(s.Values) || math.IsNaN(s.Values[k]) {
				pen = false
				continue
			}
			x, y := float64(marginLeft)+step*float64(k), c.y(s.Values[k], top)
			if len(categories) == 1 {
				x = marginLeft + plotWidth/2
			}
			if pen {
				fmt.Fprintf(&path, " L%.1f %.1f", x, y)
			} else {
				fmt.Fprintf(&path, " M%.1f %.1f", x, y)
			}
			pen = true
			fmt.Fprintf(&c.b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s %s: %s</title></circle>`,
				x, y, colour, esc(s.Name), esc(categories[k]), esc(format(s.Values[k])))
		}
		if path.Len() > 0 {
			fmt.Fprintf(&c.b, `<path d="%s" fill="none" stroke="%s" stroke-width="2"/>`, strings.TrimSpace(path.String()), colour)
		}
		c.legend(i, s.Name)
	}
	c.categoryLabels(func(k int) float64 {
		if len(categories) == 1 {
			return marginLeft + plotWidth/2
		}
		return float64(marginLeft) + step*float64(k)
	})
	return c.end()
}

// Bars draws stacked bars, one per category.
func Bars(title string, categories []string, stacks []Stack, format func(float64) string) string {
	c := newCanvas(title, categories)
	top := 0.0
	for k := range categories {
		sum := 0.0
		for _, s := range stacks {
			if k < len(s.Values) && !math.IsNaN(s.Values[k]) {
				sum += s.Values[k]
			}
		}
		top = max(top, sum)
	}
	c.axes(top, format)
	slot := float64(plotWidth) / float64(max(len(categories), 1))
	barWidth := slot * (1 - barGap)
	for k, cat := range categories {
		base := 0.0
		x := float64(marginLeft) + slot*float64(k) + slot*barGap/2
		for i, s := range stacks {
			if k >= len(s.Values) || math.IsNaN(s.Values[k]) || s.Values[k] <= 0 {
				continue
			}
			y0, y1 := c.y(base, top), c.y(base+s.Values[k], top)
			fmt.Fprintf(&c.b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %s</title></rect>`,
				x, y1, barWidth, y0-y1, palette[i%colourCount], esc(cat), esc(s.Name), esc(format(s.Values[k])))
			base += s.Values[k]
		}
	}
	for i, s := range stacks {
		c.legend(i, s.Name)
	}
	c.categoryLabels(func(k int) float64 { return float64(marginLeft) + slot*(float64(k)+0.5) })
	return c.end()
}

// canvas is a chart being written.
type canvas struct {
	b          strings.Builder
	categories []string
}

func newCanvas(title string, categories []string) *canvas {
	c := &canvas{categories: categories}
	fmt.Fprintf(&c.b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s" font-family="sans-serif" font-size="%d">`,
		width, height, width, height, esc(title), fontSize)
	fmt.Fprintf(&c.b, `<title>%s</title><rect width="%d" height="%d" fill="#ffffff"/>`, esc(title), width, height)
	fmt.Fprintf(&c.b, `<text x="%d" y="22" font-size="15" font-weight="bold" fill="#222">%s</text>`, marginLeft, esc(title))
	if len(categories) == 0 {
		fmt.Fprintf(&c.b, `<text x="%d" y="%d" text-anchor="middle" fill="#555">no data in this window</text>`,
			marginLeft+plotWidth/2, marginTop+plotHeight/2)
	}
	return c
}

// y maps a value to its height on the plot.
func (c *canvas) y(v, top float64) float64 {
	if top <= 0 {
		return float64(marginTop + plotHeight)
	}
	return float64(marginTop+plotHeight) - v/top*float64(plotHeight)
}

func (c *canvas) axes(top float64, format func(float64) string) {
	fmt.Fprintf(&c.b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#888"/>`, marginLeft, marginTop+plotHeight, marginLeft+plotWidth, marginTop+plotHeight)
	fmt.Fprintf(&c.b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#888"/>`, marginLeft, marginTop, marginLeft, marginTop+plotHeight)
	if top <= 0 {
		return
	}
	for i := 1; i <= ticks; i++ {
		v := top * float64(i) / ticks
		y := c.y(v, top)
		fmt.Fprintf(&c.b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#e4e4e4"/>`, marginLeft, y, marginLeft+plotWidth, y)
		fmt.Fprintf(&c.b, `<text x="%d" y="%.1f" text-anchor="end" fill="#444">%s</text>`, marginLeft-6, y+4, esc(format(v)))
	}
}

func (c *canvas) categoryLabels(x func(k int) float64) {
	every := max(1, (len(c.categories)+11)/12) // at most 12 labels fit
	for k, cat := range c.categories {
		if k%every != 0 {
			continue
		}
		fmt.Fprintf(&c.b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#444">%s</text>`, x(k), marginTop+plotHeight+16, esc(cat))
	}
}

func (c *canvas) legend(i int, name string) {
	x := marginLeft + (i%6)*110
	y := legendY - (i/6)*16
	fmt.Fprintf(&c.b, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d" fill="#222">%s</text>`,
		x, y-9, palette[i%colourCount], x+14, y, esc(name))
}

func (c *canvas) end() string {
	c.b.WriteString("</svg>\n")
	return c.b.String()
}

func esc(s string) string { return html.EscapeString(s) }
