package httpapi

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/warroom/warroom"
)

// openapiDocument fetches and parses the document the server serves.
func openapiDocument(t *testing.T, e *env) map[string]any {
	t.Helper()
	r := e.do("", "GET", "/api/v1/openapi.json", nil)
	doc := ok[map[string]any](t, r, 200)
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("Content-Type %q", r.Header.Get("Content-Type"))
	}
	if doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi version %v", doc["openapi"])
	}
	return doc
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// documented returns "METHOD /path" for every operation of the document.
func documented(doc map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for path, item := range doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			if slices.Contains(httpMethods, method) {
				out[strings.ToUpper(method)+" "+path] = op.(map[string]any)
			}
		}
	}
	return out
}

var pathParam = regexp.MustCompile(`\{([a-z]+)\}`)

// TestOpenAPIMatchesRoutes holds the served document against the route
// table and the mux both ways: every registered route is documented, and
// every documented operation reaches exactly that route in the mux.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := newEnv(t, nil)
	doc := openapiDocument(t, e)
	ops := documented(doc)
	api := e.api
	routes := api.routes()

	registered := map[string]route{}
	for _, rt := range routes {
		key := rt.Method + " " + rt.Path
		if _, dup := registered[key]; dup {
			t.Errorf("route %s is in the table twice", key)
		}
		registered[key] = rt
		if _, ok := ops[key]; !ok {
			t.Errorf("route %s is registered but not documented", key)
		}
	}
	samples := map[string]string{"incident": "INC-1", "user": "ada", "team": "sre", "service": "checkout", "id": "tok", "seq": "1",
		"alert": "a1", "schedule": "primary", "policy": "default", "integration": "i1", "contact": "c1", "key": "k1", "token": "t1",
		"customer": "acme", "audience": "internal", "component": "api", "maintenance": "m1", "subscriber": "s1"}
	samples["item"], samples["section"] = "ai1", "summary" // postmortems.go
	samples["chart"] = "severity"                          // reports.go
	for key := range ops {
		if _, ok := registered[key]; !ok {
			t.Errorf("operation %s is documented but not in the route table", key)
		}
		method, path, _ := strings.Cut(key, " ")
		url := pathParam.ReplaceAllStringFunc(path, func(p string) string { return samples[strings.Trim(p, "{}")] })
		_, pattern := api.mux.Handler(httptest.NewRequest(method, url, nil))
		if pattern != key {
			t.Errorf("documented %s: the mux routes %s %s to %q", key, method, url, pattern)
		}
	}
	if len(ops) != len(routes) {
		t.Errorf("%d documented operations, %d routes", len(ops), len(routes))
	}
}

// TestOpenAPIOperations checks each operation's parameters, security,
// request body and answers against the route table and the code.
func TestOpenAPIOperations(t *testing.T) {
	e := newEnv(t, nil)
	doc := openapiDocument(t, e)
	comps := doc["components"].(map[string]any)
	resolve := func(v any) map[string]any {
		m := v.(map[string]any)
		if ref, ok := m["$ref"].(string); ok {
			parts := strings.Split(strings.TrimPrefix(ref, "#/components/"), "/")
			target, ok := comps[parts[0]].(map[string]any)[parts[1]].(map[string]any)
			if !ok {
				t.Fatalf("unresolved $ref %s", ref)
			}
			return target
		}
		return m
	}
	ops := documented(doc)
	ids := map[string]bool{}
	for _, rt := range e.api.routes() {
		key := rt.Method + " " + rt.Path
		op := ops[key]
		if op == nil {
			continue // reported by TestOpenAPIMatchesRoutes
		}
		id, _ := op["operationId"].(string)
		if id == "" || ids[id] {
			t.Errorf("%s: operationId %q missing or not unique", key, id)
		}
		ids[id] = true

		// Path parameters: exactly those of the template.
		var inPath []string
		for _, p := range asList(op["parameters"]) {
			if p := resolve(p); p["in"] == "path" {
				inPath = append(inPath, p["name"].(string))
			}
		}
		var want []string
		for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
			want = append(want, m[1])
		}
		sort.Strings(inPath)
		sort.Strings(want)
		if !slices.Equal(inPath, want) {
			t.Errorf("%s: documented path parameters %v, want %v", key, inPath, want)
		}

		// Public routes say so; the others need the bearer token.
		sec, hasSec := op["security"]
		if (rt.Access == public) != (hasSec && len(asList(sec)) == 0) {
			t.Errorf("%s: security %v does not match access %d", key, sec, rt.Access)
		}
		if rt.Access != public {
			if _, ok := op["responses"].(map[string]any)["401"]; !ok {
				t.Errorf("%s: 401 not documented", key)
			}
		}

		// The request body schema has exactly the fields the handler
		// decodes (it refuses unknown ones).
		rb, hasBody := op["requestBody"]
		switch {
		case rt.Body == nil && hasBody:
			t.Errorf("%s: documents a body the handler does not read", key)
		case rt.Body != nil && !hasBody:
			t.Errorf("%s: the body is not documented", key)
		case rt.Body != nil:
			schema := resolve(rb.(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"])
			if got, want := propertyNames(schema), jsonFields(reflect.TypeOf(rt.Body)); !slices.Equal(got, want) {
				t.Errorf("%s: documented body fields %v, handler accepts %v", key, got, want)
			}
		}

		// Every answer is described, and every error answer is the Error body.
		hasSuccess := false
		for status, resp := range op["responses"].(map[string]any) {
			if strings.HasPrefix(status, "2") {
				hasSuccess = true
				continue
			}
			if senderFormatAnswer(t, key, status, resolve(resp)) {
				continue // intake and ack-link routes answer in their sender's format
			}
			schema := resolve(resolve(resp)["content"].(map[string]any)["application/json"].(map[string]any)["schema"])
			if _, ok := schema["properties"].(map[string]any)["error"]; !ok {
				t.Errorf("%s: answer %s is not the Error body", key, status)
			}
		}
		if !hasSuccess {
			t.Errorf("%s: no success answer documented", key)
		}
	}
	checkRefs(t, doc, comps)
}

// TestOpenAPISchemasMatchTypes holds the documented response schemas
// against the JSON fields of the Go types the API renders, so that a field
// added to the domain cannot go undocumented.
func TestOpenAPISchemasMatchTypes(t *testing.T) {
	e := newEnv(t, nil)
	schemas := openapiDocument(t, e)["components"].(map[string]any)["schemas"].(map[string]any)
	for name, v := range map[string]any{
		"User": warroom.User{}, "Team": warroom.Team{}, "Service": warroom.Service{}, "Link": warroom.Link{},
		"Token": warroom.Token{}, "TokenCreated": newToken{}, "Impact": warroom.Impact{},
		"Declaration": warroom.Declaration{}, "Hypothesis": warroom.Hypothesis{}, "Incident": warroom.Incident{},
		"Event": warroom.Event{}, "CommandResult": warroom.CommandResult{}, "RoleHolder": warroom.RoleHolder{},
		"IncidentView": warroom.IncidentView{},
	} {
		schema, ok := schemas[name].(map[string]any)
		if !ok {
			t.Errorf("schema %s is missing", name)
			continue
		}
		if got, want := propertyNames(schema), jsonFields(reflect.TypeOf(v)); !slices.Equal(got, want) {
			t.Errorf("schema %s has fields %v, the Go type %v", name, got, want)
		}
	}
	errSchema := schemas["Error"].(map[string]any)["properties"].(map[string]any)["error"].(map[string]any)
	if got, want := propertyNames(errSchema), jsonFields(reflect.TypeOf(warroom.Error{})); !slices.Equal(got, want) {
		t.Errorf("Error schema fields %v, want %v", got, want)
	}
}

// TestOpenAPIQueryParameters sends every documented query parameter of
// every GET route to the server: none may be refused as unknown.
func TestOpenAPIQueryParameters(t *testing.T) {
	e := newEnv(t, nil)
	e.declare("ada", "db down", false)
	ok[warroom.Service](t, e.do("root", "POST", "/api/v1/services", map[string]string{"slug": "checkout", "name": "Checkout"}), 201)
	samples := map[string]string{"incident": "INC-1", "user": "ada", "team": "sre", "service": "checkout"}
	maps.Copy(samples, pagingSamples(t, e))
	maps.Copy(samples, commsSamples(t, e))
	maps.Copy(samples, statusSamples(t, e))
	samples["chart"] = "severity" // reports.go
	for key, op := range documented(openapiDocument(t, e)) {
		method, path, _ := strings.Cut(key, " ")
		if method != "GET" {
			continue
		}
		var query []string
		for _, p := range asList(op["parameters"]) {
			if p := p.(map[string]any); p["in"] == "query" {
				query = append(query, p["name"].(string)+"=")
			}
		}
		url := pathParam.ReplaceAllStringFunc(path, func(p string) string { return samples[strings.Trim(p, "{}")] })
		if len(query) > 0 {
			url += "?" + strings.Join(query, "&")
		}
		if r := e.do("root", method, url, nil); r.Status != http.StatusOK {
			t.Errorf("GET %s: %s", url, r)
		}
	}
}

// checkRefs fails on any $ref in the document that does not resolve.
func checkRefs(t *testing.T, v any, comps map[string]any) {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		if ref, ok := v["$ref"].(string); ok {
			parts := strings.Split(strings.TrimPrefix(ref, "#/components/"), "/")
			if len(parts) != 2 || comps[parts[0]] == nil || comps[parts[0]].(map[string]any)[parts[1]] == nil {
				t.Errorf("unresolved $ref %s", ref)
			}
		}
		for _, x := range v {
			checkRefs(t, x, comps)
		}
	case []any:
		for _, x := range v {
			checkRefs(t, x, comps)
		}
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// propertyNames returns a schema's property names, sorted.
func propertyNames(schema map[string]any) []string {
	props, _ := schema["properties"].(map[string]any)
	names := make([]string, 0, len(props))
	for n := range props {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// jsonFields returns the JSON field names encoding/json uses for a struct
// type, sorted.
func jsonFields(t reflect.Type) []string {
	names := []string{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// TestOpenAPIDocumentIsValidJSON guards the embedded file itself, so a
// broken edit fails here with a position rather than in a client.
func TestOpenAPIDocumentIsValidJSON(t *testing.T) {
	var v map[string]any
	if err := json.Unmarshal(openapiDoc, &v); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
}
