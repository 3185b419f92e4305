package statuspage

import (
	"encoding/xml"
	"net/http"
	"slices"
	"strings"
	"time"
)

// The Atom feed (RFC 4287) of the page: an entry per public incident
// (its customer updates as the content) and per upcoming or active
// maintenance window; per component, only those that affect it. The
// feed has its id, title, updated, author and self link; each entry its
// id, title, updated, an alternate link and its content.

const atomNS = "http://www.w3.org/2005/Atom"

type atomFeed struct {
	XMLName xml.Name    `xml:"feed"`
	NS      string      `xml:"xmlns,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  atomPerson  `xml:"author"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomEntry struct {
	ID        string   `xml:"id"`
	Title     string   `xml:"title"`
	Updated   string   `xml:"updated"`
	Published string   `xml:"published,omitempty"`
	Link      atomLink `xml:"link"`
	Content   atomText `xml:"content"`
}

func atomTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func (s *Service) renderFeed(componentID string) func(p *Page) rendered {
	return func(p *Page) rendered {
		f := atomFeed{NS: atomNS, ID: "urn:warroom:status:feed", Title: p.Name + " status", Author: atomPerson{Name: p.Name},
			Links: []atomLink{{Rel: "self", Type: "application/atom+xml", Href: s.pageURL("/status/feed.atom")},
				{Rel: "alternate", Type: "text/html", Href: s.pageURL("/status")}}}
		if componentID != "" {
			c, ok := p.Component(componentID)
			if !ok {
				return rendered{http.StatusNotFound, "text/plain; charset=utf-8", []byte("no such component\n")}
			}
			f.ID += ":component:" + c.ID
			f.Title = p.Name + " status: " + c.Name
			f.Links[0].Href = s.pageURL("/status/components/" + c.ID + "/feed.atom")
		}
		updated := time.Time{}
		wants := func(ids []string) bool { return componentID == "" || slices.Contains(ids, componentID) }
		var incidents []IncidentView
		incidents = append(incidents, p.Active...)
		for _, d := range p.Past {
			incidents = append(incidents, d.Incidents...)
		}
		for _, v := range p.bySlug {
			if v.ResolvedAt != nil && !slices.ContainsFunc(incidents, func(x IncidentView) bool { return x.ID == v.ID }) {
				incidents = append(incidents, *v)
			}
		}
		slices.SortStableFunc(incidents, func(a, b IncidentView) int { return b.StartedAt.Compare(a.StartedAt) })
		for _, v := range incidents {
			if !wants(v.componentID) {
				continue
			}
			last := v.StartedAt
			var body strings.Builder
			body.WriteString(v.Impact.Label())
			if len(v.Components) > 0 {
				body.WriteString(" · " + strings.Join(v.Components, ", "))
			}
			if v.ResolvedAt != nil {
				body.WriteString("\nResolved " + atomTime(*v.ResolvedAt))
				if v.ResolvedAt.After(last) {
					last = *v.ResolvedAt
				}
			}
			for _, u := range v.Updates {
				body.WriteString("\n\n" + atomTime(u.At) + "\n" + u.Body)
				if u.At.After(last) {
					last = u.At
				}
			}
			title := v.Title
			if v.State == "resolved" {
				title = "Resolved: " + title
			}
			f.Entries = append(f.Entries, atomEntry{ID: "urn:warroom:status:incident:" + v.ID, Title: title, Updated: atomTime(last),
				Published: atomTime(v.StartedAt), Link: atomLink{Rel: "alternate", Type: "text/html", Href: v.URL},
				Content: atomText{Type: "text", Body: body.String()}})
			if last.After(updated) {
				updated = last
			}
		}
		for _, m := range p.Maintenance {
			if !wants(m.componentID) {
				continue
			}
			last := m.StartsAt
			body := "Maintenance " + atomTime(m.StartsAt) + " to " + atomTime(m.EndsAt)
			if len(m.Components) > 0 {
				body += " · " + strings.Join(m.Components, ", ")
			}
			body += "\n\n" + m.Description
			for _, u := range m.Updates {
				body += "\n\n" + atomTime(u.At) + "\n" + u.Body
			}
			if len(m.Updates) > 0 && m.Updates[0].At.After(last) {
				last = m.Updates[0].At
			}
			f.Entries = append(f.Entries, atomEntry{ID: "urn:warroom:status:maintenance:" + m.ID, Title: "Maintenance: " + m.Title,
				Updated: atomTime(last), Link: atomLink{Rel: "alternate", Type: "text/html", Href: s.pageURL("/status#maintenance-" + m.ID)},
				Content: atomText{Type: "text", Body: body}})
			if last.After(updated) {
				updated = last
			}
		}
		if updated.IsZero() {
			updated = s.historyStart(p.GeneratedAt)
		}
		f.Updated = atomTime(updated)
		out, err := xml.MarshalIndent(f, "", "  ")
		if err != nil {
			return rendered{http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("the feed failed to render\n")}
		}
		return rendered{http.StatusOK, "application/atom+xml; charset=utf-8", append([]byte(xml.Header), append(out, '\n')...)}
	}
}
