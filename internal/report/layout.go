package report

import (
	"cmp"
	"fmt"
	"html/template"
	"slices"
	"strings"

	"github.com/escarp/escarp"
)

// A laid-out data-flow diagram: nodes in columns (clients, services, data
// stores, third parties), boundary boxes around their members, one edge
// per source and target pair.
type layout struct {
	nodes         []layoutNode
	boxes         []layoutBox
	edges         []layoutEdge
	width, height int
}

type layoutNode struct {
	asset      *escarp.Asset
	x, y, w, h int
}

type layoutBox struct {
	id, name, kind string
	x, y, w, h     int
}

type layoutEdge struct {
	from, to, label, protocol string
	public                    bool
	count                     int
}

func column(a *escarp.Asset) int {
	switch a.Kind {
	case "client":
		return 0
	case "service":
		return 1
	case "datastore":
		return 2
	}
	return 3
}

// layoutModel places the assets of m.
func layoutModel(m *escarp.ThreatModel) layout {
	const nodeW, nodeH, colGap, rowGap, pad = 200, 56, 90, 34, 24
	var l layout
	rows := [4]int{}
	pos := map[string]int{}
	assets := slices.Clone(m.Assets)
	slices.SortStableFunc(assets, func(a, b *escarp.Asset) int {
		return cmp.Or(cmp.Compare(column(a), column(b)), cmp.Compare(a.ID, b.ID))
	})
	for _, a := range assets {
		c := column(a)
		x := pad*2 + c*(nodeW+colGap)
		y := pad*3 + rows[c]*(nodeH+rowGap)
		rows[c]++
		pos[a.ID] = len(l.nodes)
		l.nodes = append(l.nodes, layoutNode{asset: a, x: x, y: y, w: nodeW, h: nodeH})
		l.width = max(l.width, x+nodeW+pad*2)
		l.height = max(l.height, y+nodeH+pad*2)
	}
	for _, b := range m.Boundaries {
		x0, y0, x1, y1 := 1<<30, 1<<30, 0, 0
		for _, id := range b.Assets {
			i, ok := pos[id]
			if !ok {
				continue
			}
			n := l.nodes[i]
			x0, y0 = min(x0, n.x-pad), min(y0, n.y-pad-8)
			x1, y1 = max(x1, n.x+n.w+pad), max(y1, n.y+n.h+pad)
		}
		if x1 == 0 {
			continue
		}
		l.boxes = append(l.boxes, layoutBox{id: b.ID, name: b.Name, kind: b.Kind, x: x0, y: y0, w: x1 - x0, h: y1 - y0})
	}
	idx := map[[2]string]int{}
	for _, f := range m.Flows {
		if _, ok := pos[f.Source]; !ok {
			continue
		}
		if _, ok := pos[f.Target]; !ok {
			continue
		}
		k := [2]string{f.Source, f.Target}
		i, ok := idx[k]
		if !ok {
			i = len(l.edges)
			idx[k] = i
			public := l.nodes[pos[f.Source]].asset.Internet || l.nodes[pos[f.Target]].asset.Internet
			l.edges = append(l.edges, layoutEdge{from: f.Source, to: f.Target, protocol: f.Protocol, public: public})
		}
		e := &l.edges[i]
		e.count++
		if e.count == 1 {
			e.label = cmp.Or(f.Operation, f.Protocol)
		} else {
			e.label = fmt.Sprintf("%d operations (%s)", e.count, f.Protocol)
		}
	}
	return l
}

// dfdSVG draws the data-flow diagram of m as inline SVG.
func dfdSVG(m *escarp.ThreatModel) template.HTML {
	l := layoutModel(m)
	esc := template.HTMLEscapeString
	var b strings.Builder
	fmt.Fprintf(&b, `<svg id="dfd" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="Data-flow diagram">`, l.width, l.height, l.width, l.height)
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>`)
	for _, bx := range l.boxes {
		fmt.Fprintf(&b, `<g class="boundary" data-id="%s"><rect x="%d" y="%d" width="%d" height="%d" rx="10" fill="none" stroke="#c0392b" stroke-dasharray="6 4"/><text x="%d" y="%d" class="blabel">%s</text></g>`,
			esc(bx.id), bx.x, bx.y, bx.w, bx.h, bx.x+8, bx.y+14, esc(bx.name))
	}
	at := map[string]layoutNode{}
	for _, n := range l.nodes {
		at[n.asset.ID] = n
	}
	for _, e := range l.edges {
		s, t := at[e.from], at[e.to]
		x1, y1 := s.x+s.w, s.y+s.h/2
		x2, y2 := t.x, t.y+t.h/2
		if t.x < s.x {
			x1, x2 = s.x, t.x+t.w
		}
		fmt.Fprintf(&b, `<g class="flow" data-from="%s" data-to="%s"><line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#555" marker-end="url(#arrow)"/><title>%s</title></g>`,
			esc(e.from), esc(e.to), x1, y1, x2, y2, esc(e.label))
	}
	for _, n := range l.nodes {
		a := n.asset
		var shape string
		switch a.Type {
		case escarp.AssetExternal:
			shape = fmt.Sprintf(`<rect x="%d" y="%d" width="%d" height="%d" fill="#eef3fb" stroke="#2c5aa0"/>`, n.x, n.y, n.w, n.h)
		case escarp.AssetDatastore:
			shape = fmt.Sprintf(`<path d="M%d,%d h%d M%d,%d h%d" stroke="#2c7a3f" stroke-width="2"/><rect x="%d" y="%d" width="%d" height="%d" fill="#eefaf1" stroke="none"/>`,
				n.x, n.y, n.w, n.x, n.y+n.h, n.w, n.x, n.y+1, n.w, n.h-2)
		default:
			shape = fmt.Sprintf(`<rect x="%d" y="%d" width="%d" height="%d" rx="28" fill="#fdf3e7" stroke="#b9770e"/>`, n.x, n.y, n.w, n.h)
		}
		name := a.Name
		if len(name) > 30 {
			name = name[:29] + "…"
		}
		fmt.Fprintf(&b, `<g class="node %s" data-id="%s">%s<text x="%d" y="%d" text-anchor="middle">%s</text><title>%s</title></g>`,
			esc(a.Type), esc(a.ID), shape, n.x+n.w/2, n.y+n.h/2+4, esc(name), esc(a.Name))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every value above is escaped
}

// heatSVG draws the likelihood × impact heat map of the threats: a 4×4
// grid coloured by Threagile's band, each cell with its count of threats.
func heatSVG(m *escarp.ThreatModel) template.HTML {
	const cell, left, top = 84, 110, 20
	var counts [5][5]int
	for _, t := range m.Threats {
		counts[clamp4(t.CurrentLikelihood)][clamp4(t.Impact)]++
	}
	colors := map[string]string{"low": "#d5f5e3", "medium": "#fcf3cf", "elevated": "#fad7a0", "high": "#f5b7b1", "critical": "#e74c3c"}
	var b strings.Builder
	w, h := left+4*cell+20, top+4*cell+60
	fmt.Fprintf(&b, `<svg id="heatmap" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="Likelihood by impact heat map">`, w, h, w, h)
	for l := 4; l >= 1; l-- {
		y := top + (4-l)*cell
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" class="axis">%s</text>`, left-8, y+cell/2+4, likelihoodWords[l])
		for i := 1; i <= 4; i++ {
			x := left + (i-1)*cell
			band := bandOf(l * i)
			fmt.Fprintf(&b, `<g class="cell" data-likelihood="%d" data-impact="%d" data-count="%d"><rect x="%d" y="%d" width="%d" height="%d" fill="%s" stroke="#fff"/><text x="%d" y="%d" text-anchor="middle" class="count">%d</text><title>%s × %s: %d threats (%s)</title></g>`,
				l, i, counts[l][i], x, y, cell, cell, colors[band], x+cell/2, y+cell/2+6, counts[l][i], likelihoodWords[l], impactWords[i], counts[l][i], band)
		}
	}
	for i := 1; i <= 4; i++ {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" class="axis">%s</text>`, left+(i-1)*cell+cell/2, top+4*cell+18, impactWords[i])
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" class="axis">impact →</text>`, left+2*cell, top+4*cell+42)
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // numbers and fixed words only
}

// bandOf names a likelihood × impact product (Threagile's bands).
func bandOf(p int) string {
	switch {
	case p <= 1:
		return "low"
	case p <= 3:
		return "medium"
	case p <= 8:
		return "elevated"
	case p <= 12:
		return "high"
	}
	return "critical"
}
