package web

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"strings"

	"github.com/warroom/warroom"
)

//go:embed templates
var templateFS embed.FS

// templates holds one template set per page: the layout and the partials
// (templates/partials/*.html) with the page's own file, which defines
// "title" and "content". Partials are also rendered alone, as htmx
// fragments and live updates.
type templates struct {
	pages    map[string]*template.Template
	partials *template.Template
}

func mustParseTemplates(a *assets) *templates {
	funcs := template.FuncMap{
		"asset":         a.url,
		"roleTitle":     func(r warroom.Role) string { return r.Title() },
		"severityClass": func(s warroom.Severity) string { return strings.ToLower(string(s)) },
		"stageLabel":    stageLabel,
		"join":          strings.Join,
		"add":           func(a, b int) int { return a + b },
		"dict":          dict,
		"list":          func(v ...string) []string { return v },
	}
	partials := template.Must(template.New("partials").Funcs(funcs).ParseFS(templateFS, "templates/partials/*.html"))
	t := &templates{pages: map[string]*template.Template{}, partials: partials}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(f, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		set := template.Must(partials.Clone())
		template.Must(set.ParseFS(templateFS, "templates/layout.html", f))
		t.pages[name] = set
	}
	return t
}

// page renders the page name inside the layout.
func (t *templates) page(w io.Writer, name string, v any) error {
	set, ok := t.pages[name]
	if !ok {
		return fmt.Errorf("web: no page template %q", name)
	}
	return set.ExecuteTemplate(w, "layout", v)
}

// partial renders one partial template.
func (t *templates) partial(w io.Writer, name string, v any) error {
	return t.partials.ExecuteTemplate(w, name, v)
}

// stageLabel is a stage as people read it.
func stageLabel(s warroom.Stage) string {
	if s == "" {
		return ""
	}
	return strings.ToUpper(string(s[:1])) + strings.ReplaceAll(string(s[1:]), "_", " ")
}

// dict builds a map for passing several values to a partial:
// {{template "x" dict "A" 1 "B" 2}}.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := map[string]any{}
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}
