package cli

// Tests of what a new user tripped on in their first hour (issue 8,
// item 7).

import (
	"bufio"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/warroom/warroom"
)

// `list` shows open incidents by default: right after the last one is
// closed it is empty, and it must say why and how to see the rest.
func TestEmptyListSaysItShowsOpenIncidents(t *testing.T) {
	f, url := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		answer(w, 200, map[string]any{"incidents": []any{}})
	})
	env := map[string]string{"WARROOM_SERVER": url, "WARROOM_TOKEN": "t"}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"list"}, "no open incidents (list shows open incidents by default, not resolved or closed ones; `warroom list --status all` shows every incident)\n"},
		{[]string{"list", "--severity", "SEV1"}, "no open incidents match (list shows open incidents by default, not resolved or closed ones; `warroom list --status all` shows every incident)\n"},
		{[]string{"list", "--status", "all"}, "no incidents\n"},
		{[]string{"list", "--status", "closed", "--query", "db"}, "no closed incidents match\n"},
	}
	for _, tt := range tests {
		out, errOut, code := runCLI(t, env, tt.args...)
		if code != 0 || out != tt.want {
			t.Errorf("warroom %s: exit %d, stdout %q (stderr %q); want %q", strings.Join(tt.args, " "), code, out, errOut, tt.want)
		}
	}
	if q := f.requests()[0].Query; q != "status=open" {
		t.Errorf("list asked for %q, want status=open", q)
	}
}

// A summary typed with line breaks keeps the columns of `show` aligned:
// its further lines continue in the value column, and the rows after it
// are not shifted.
func TestShowMultiLineSummaryStaysAligned(t *testing.T) {
	view := &warroom.IncidentView{
		Incident: &warroom.Incident{ID: "i1", Ref: "INC-1", Title: "Checkout errors", Stage: warroom.StageInvestigating,
			Severity: warroom.SEV2, Summary: "5xx on /pay\n\tsince the 10:02 deploy\r\nrollback started", DeclaredAt: testNow, DeclaredByID: "u-ada"},
		Timeline: []warroom.Event{
			{Seq: 1, Type: warroom.EntryNote, At: testNow, ActorID: "u-ada", Text: "first line\nsecond line"},
			{Seq: 2, Type: warroom.EntryNote, At: testNow, ActorID: "u-ada", Text: "one line"},
		},
		People: map[string]string{"u-ada": "@ada"},
	}
	_, url := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ int) { answer(w, 200, view) })
	out, errOut, code := runCLI(t, map[string]string{"WARROOM_SERVER": url, "WARROOM_TOKEN": "t"}, "show", "INC-1")
	if code != 0 {
		t.Fatal(errOut)
	}
	lines := strings.Split(out, "\n")
	column := func(prefix, value string) int {
		t.Helper()
		for _, l := range lines {
			if strings.HasPrefix(l, prefix) && strings.Contains(l, value) {
				return strings.Index(l, value)
			}
		}
		t.Fatalf("no line starting %q with %q:\n%s", prefix, value, out)
		return -1
	}
	values := column("severity", "SEV2")
	for _, c := range []struct{ prefix, value string }{
		{"summary", "5xx on /pay"},
		{" ", " since the 10:02 deploy"}, // the tab is a space, not a column break
		{" ", "rollback started"},
		{"impact", "not assessed yet"},
		{"acknowledged", "-"},
	} {
		if got := column(c.prefix, c.value); got != values {
			t.Errorf("%q starts at column %d, want %d (the value column):\n%s", c.value, got, values, out)
		}
	}
	if first, second, next := column("  #1", "@ada note: first line"), column(" ", "second line"), column("  #2", "@ada note: one line"); second != first || next != first {
		t.Errorf("a two-line note breaks the timeline's columns (%d, %d, %d):\n%s", first, second, next, out)
	}
}

// A client command without a token is a configuration mistake (exit 2,
// as for every missing setting), not a refusal by the server (exit 1);
// a token the server refuses stays exit 1.
func TestMissingTokenIsAConfigurationError(t *testing.T) {
	_, url := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		if r.Header.Get("Authorization") != "Bearer good" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":{"code":"unauthorized","message":"missing or invalid API token"}}`))
			return
		}
		answer(w, 200, map[string]any{"incidents": []any{}})
	})
	out, errOut, code := runCLI(t, map[string]string{"WARROOM_SERVER": url}, "list")
	if code != exitUsage || out != "" ||
		!strings.Contains(errOut, "error: no API token: set WARROOM_TOKEN or pass --token") ||
		!strings.Contains(errOut, "hint: an admin gives you one with `warroom token create --user YOU`; on a new server, create the first admin and token with `warroom bootstrap`") {
		t.Errorf("no token: exit %d, stdout %q, stderr:\n%s", code, out, errOut)
	}
	_, errOut, code = runCLI(t, map[string]string{"WARROOM_SERVER": url, "WARROOM_TOKEN": "revoked"}, "list")
	if code != exitFailed || !strings.Contains(errOut, "missing or invalid API token") {
		t.Errorf("refused token: exit %d, stderr:\n%s", code, errOut)
	}
	if _, errOut, code = runCLI(t, map[string]string{"WARROOM_SERVER": url, "WARROOM_TOKEN": "good"}, "list"); code != 0 {
		t.Errorf("good token: exit %d, stderr:\n%s", code, errOut)
	}
}

// Every file `warroom serve` creates beside its SQLite database (the
// database, its WAL and shared-memory files, the ack secret) is ignored
// by git, so that none of them, the secret least of all, is committed
// from a checkout where someone tried the server.
func TestFilesBesideTheDatabaseAreIgnoredByGit(t *testing.T) {
	_, dsn, _ := startServe(t)
	dir := filepath.Dir(strings.TrimPrefix(dsn, "sqlite:"))
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	patterns := gitignorePatterns(t, "../.gitignore")
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		if !ignored(patterns, e.Name()) {
			t.Errorf("%s, which warroom serve created beside its database, is not in .gitignore (patterns %q)", e.Name(), patterns)
		}
	}
	for _, want := range []string{"warroom.db", "warroom.db-wal", "warroom.db.ack-secret"} {
		if !strings.Contains(" "+strings.Join(names, " ")+" ", " "+want+" ") {
			t.Errorf("serve did not create %s (it created %q): the test no longer covers it", want, names)
		}
	}
}

// gitignorePatterns reads the patterns of a .gitignore file.
func gitignorePatterns(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// ignored reports whether a file at the repository's root named name
// matches one of the patterns (the subset of gitignore syntax used: globs,
// a leading / anchoring to the root).
func ignored(patterns []string, name string) bool {
	for _, p := range patterns {
		if ok, _ := filepath.Match(strings.TrimPrefix(p, "/"), name); ok {
			return true
		}
	}
	return false
}
