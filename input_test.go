package warroom

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTextProblem(t *testing.T) {
	cases := []struct {
		in   string
		want string
	}{
		{"", ""},
		{"disk full on db-1", ""},
		{"Größe 😀", ""},
		{"a\x00b", "contains a NUL character (\\u0000), which cannot be stored"},
		{"\x00", "contains a NUL character (\\u0000), which cannot be stored"},
		{"a\xffb", "is not valid UTF-8"},
		{"\xed\xa0\x80", "is not valid UTF-8"}, // a surrogate encoded in UTF-8
	}
	for _, c := range cases {
		if got := TextProblem(c.in); got != c.want {
			t.Errorf("TextProblem(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestJSONTextProblem(t *testing.T) {
	const nul = "contains a NUL character (\\u0000), which cannot be stored"
	cases := []struct {
		name, doc     string
		path, problem string
	}{
		{"plain", `{"a":"b","c":[1,true,null,{"d":"e"}]}`, "", ""},
		{"escapes that store", `{"a":"\u00e9\n\"\\u0000","b":"\ud83d\ude00"}`, "", ""},
		{"escaped backslash before u0000", `["\\u0000"]`, "", ""},
		{"non-ASCII", `{"größe":"😀"}`, "", ""},
		{"NUL escape at the top", `"\u0000"`, "", nul},
		{"NUL escape in a member", `{"groupKey":"\u0000g"}`, "groupKey", nul},
		{"NUL escape deep", `{"alerts":[{"labels":{"a":"b"}},{"labels":{"job":"x\u0000"}}]}`, "alerts[1].labels.job", nul},
		{"NUL in a batch", `[{"title":"ok"},{"title":"\u0000"}]`, "[1].title", nul},
		{"NUL in a member name", `{"details":{"k\u0000":1}}`, "details", nul},
		{"NUL after escaped backslash", `{"a":"\\\u0000"}`, "a", nul},
		{"invalid UTF-8", "{\"summary\":\"a\xffb\"}", "summary", "is not valid UTF-8"},
		{"invalid UTF-8 in a name", "{\"d\":{\"\xff\":1}}", "d", "is not valid UTF-8"},
		{"lone high surrogate", `{"x":["\ud800"]}`, "x[0]", "contains \\ud800, the first half of a UTF-16 surrogate pair without its second"},
		{"high surrogate then other escape", `{"x":"\ud800\u0041"}`, "x", "contains \\ud800, the first half of a UTF-16 surrogate pair without its second"},
		{"lone low surrogate", `{"x":"\udc00"}`, "x", "contains \\udc00, the second half of a UTF-16 surrogate pair without its first"},
		{"numbers and space", " { \"n\" : -1.5e3 , \"m\" : [ ] , \"o\" : { } , \"p\" : \"\\u0000\" } ", "p", nul},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path, problem := JSONTextProblem([]byte(c.doc))
			if path != c.path || problem != c.problem {
				t.Errorf("JSONTextProblem(%s) = %q, %q; want %q, %q", c.doc, path, problem, c.path, c.problem)
			}
		})
	}
}

// FuzzJSONTextProblem: on any valid JSON document the walk never panics,
// and a document it passes is UTF-8 and decodes to strings (member names
// included) without a NUL character.
func FuzzJSONTextProblem(f *testing.F) {
	for _, seed := range []string{`{"a":"\u0000"}`, `["\ud800"]`, `{"\u0000":1}`, "\"\xff\"", `["\\u0000",{"b":[1,2,{"c":"\udc00"}]}]`, `"\ud83d\ude00"`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		if !json.Valid(doc) {
			return
		}
		_, problem := JSONTextProblem(doc)
		if problem != "" {
			return
		}
		if !utf8.Valid(doc) {
			t.Fatalf("passed %q, which is not UTF-8", doc)
		}
		// UseNumber: a valid number too large for a float64 (1E700) is
		// no reason to fail.
		d := json.NewDecoder(bytes.NewReader(doc))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			t.Fatal(err)
		}
		var walk func(any)
		walk = func(v any) {
			switch v := v.(type) {
			case string:
				if strings.ContainsRune(v, 0) {
					t.Fatalf("passed %q, which holds a NUL", doc)
				}
			case []any:
				for _, x := range v {
					walk(x)
				}
			case map[string]any:
				for k, x := range v {
					walk(k)
					walk(x)
				}
			}
		}
		walk(v)
	})
}
