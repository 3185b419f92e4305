package main

// The documentation lists every setting and every command: these tests
// take both from the program itself (its --help, as a user sees it) and
// fail when a setting or command exists that the documentation does not
// list, when the documentation lists one that does not exist, or when a
// documented default is not the program's.

import (
	"bufio"
	"bytes"
	"context"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/warroom/warroom/cli"
)

// help runs `warroom ARGS... --help` in-process and returns what it
// printed.
func help(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := cli.Execute(context.Background(), append(args, "--help"), &out, &errOut); code != 0 {
		t.Fatalf("warroom %s --help: exit %d\n%s", strings.Join(args, " "), code, errOut.String())
	}
	return out.String()
}

var (
	flagLine = regexp.MustCompile(`^\s+(?:-\w, )?--([a-z0-9-]+) \S+\s+(.*)$`)
	// A setting's default, as addFlags writes it: "(default 4h); env WARROOM_...".
	flagDefault = regexp.MustCompile(`\(default (.+)\); env WARROOM_[A-Z0-9_]+$`)
	// A settings table row: | `name` | default | meaning |
	settingRow = regexp.MustCompile("^\\| `([a-z0-9-]+)` \\|([^|]*)\\|")
)

// settingFlags returns the settings of `warroom serve` and the global
// ones, with their defaults ("" for none): every flag of serve --help
// but --help itself.
func settingFlags(t *testing.T) map[string]string {
	flags := map[string]string{}
	for _, line := range strings.Split(help(t, "serve"), "\n") {
		m := flagLine.FindStringSubmatch(line)
		if m == nil || m[1] == "help" {
			continue
		}
		def := ""
		if d := flagDefault.FindStringSubmatch(m[2]); d != nil {
			def = d[1]
		}
		flags[m[1]] = def
	}
	if len(flags) < 30 || flags["listen"] != "127.0.0.1:8080" || flags["server"] != "http://127.0.0.1:8080" {
		t.Fatalf("read %d settings from warroom serve --help, not the known ones: %v", len(flags), flags)
	}
	return flags
}

// documentedSettings returns the rows of the settings tables (tables whose
// first column is "setting") of a Markdown file: name -> default cell.
func documentedSettings(t *testing.T, path string) map[string]string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc := map[string]string{}
	inSettings := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case !strings.HasPrefix(line, "|"):
			inSettings = false
		case strings.HasPrefix(line, "| setting |"):
			inSettings = true
		case inSettings:
			if m := settingRow.FindStringSubmatch(line); m != nil {
				if _, dup := doc[m[1]]; dup {
					t.Errorf("%s lists %s twice", path, m[1])
				}
				doc[m[1]] = strings.TrimSpace(m[2])
			}
		}
	}
	return doc
}

func TestConfigurationDocListsEverySetting(t *testing.T) {
	const path = "../../docs/configuration.md"
	flags := settingFlags(t)
	doc := documentedSettings(t, path)
	for _, name := range slices.Sorted(maps.Keys(flags)) {
		cell, ok := doc[name]
		switch {
		case !ok:
			t.Errorf("setting --%s exists (warroom serve --help) but %s does not list it: add a row | `%s` | default | meaning |", name, path, name)
		case flags[name] == "" && cell != "":
			t.Errorf("%s gives --%s the default %s, but it has none", path, name, cell)
		case flags[name] != "" && cell != "`"+flags[name]+"`":
			t.Errorf("%s gives --%s the default %s, but it is `%s`", path, name, cell, flags[name])
		}
	}
	for name := range doc {
		if _, ok := flags[name]; !ok {
			t.Errorf("%s lists the setting %s, which warroom does not have", path, name)
		}
	}
	// process.md quotes some policy settings with their defaults: they
	// must exist and be right too.
	for name, cell := range documentedSettings(t, "../../docs/process.md") {
		if def, ok := flags[name]; !ok || cell != "`"+def+"`" {
			t.Errorf("docs/process.md gives the setting %s the default %s; warroom has it: %v, default `%s`", name, cell, ok, def)
		}
	}
}

// commands returns every command of warroom, as its path ("alerts list"),
// from the help of the root and of each command group.
func commands(t *testing.T, parent ...string) []string {
	t.Helper()
	out := help(t, parent...)
	_, after, ok := strings.Cut(out, "\nUsage:\n")
	if !ok {
		t.Fatalf("warroom %s --help has no Usage:\n%s", strings.Join(parent, " "), out)
	}
	var list []string
	section := ""
	for _, line := range strings.Split(after, "\n") {
		if strings.HasSuffix(line, ":") && !strings.HasPrefix(line, " ") {
			section = line
			continue
		}
		m := regexp.MustCompile(`^  ([a-z][a-z-]*)\s`).FindStringSubmatch(line)
		switch section {
		case "", "Flags:", "Global Flags:", "Aliases:", "Examples:", "Additional Commands:":
			continue // help and completion are cobra's own
		}
		if m == nil {
			continue
		}
		path := append(slices.Clone(parent), m[1])
		list = append(list, strings.Join(path, " "))
		list = append(list, commands(t, path...)...)
	}
	return list
}

func TestCLIDocListsEveryCommand(t *testing.T) {
	all := commands(t)
	if !slices.Contains(all, "declare") || !slices.Contains(all, "notify-rules set") || !slices.Contains(all, "service paging") {
		t.Fatalf("read these commands from warroom --help, not the known ones: %q", all)
	}
	cliDoc := readDoc(t, "../../docs/cli.md")
	readme := readDoc(t, "../../README.md")
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `warroom ([a-z -]+?)(?: [^a-z`]|`)").FindAllStringSubmatch(cliDoc, -1) {
		documented[m[1]] = true
	}
	for _, c := range all {
		isGroup := slices.ContainsFunc(all, func(sub string) bool { return strings.HasPrefix(sub, c+" ") })
		if !isGroup && !documented[c] {
			t.Errorf("warroom %s exists but docs/cli.md has no row | `warroom %s ...` | for it", c, c)
		}
		if !strings.Contains(c, " ") && !regexp.MustCompile("`"+regexp.QuoteMeta(c)+"[` ]").MatchString(readme) {
			t.Errorf("the command %s is missing from the README's command table", c)
		}
	}
	for c := range documented {
		if !slices.Contains(all, c) {
			t.Errorf("docs/cli.md lists warroom %s, which does not exist", c)
		}
	}
}

func readDoc(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
