package warroom

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
)

// Blameless by design (seed 001: "no finger-pointing ... focus solely on
// systems and processes and not on individuals"; seed 004: "human error is
// inevitable and our goal is always to find the right process and
// tooling"). The lint flags words that blame people and suggests how to
// say it of the system instead. It flags, it never refuses: a reviewer
// decides.

// BlamePattern is one kind of blaming text and what to write instead.
type BlamePattern struct {
	Pattern    *regexp.Regexp
	Suggestion string
}

// DefaultBlamePatterns are the patterns a postmortem is linted with when
// the organisation configured none.
func DefaultBlamePatterns() []BlamePattern {
	p := func(re, suggestion string) BlamePattern {
		return BlamePattern{Pattern: regexp.MustCompile(`(?i)` + re), Suggestion: suggestion}
	}
	return []BlamePattern{
		p(`\bhuman errors?\b`, "say what made the mistake easy to make and hard to catch (a missing check, an unclear runbook) instead of \"human error\""),
		p(`\b[\p{L}@][\p{L}\p{N}._-]*['’]s fault\b|\bfault of\b|\bto blame\b|\bblam(e|ed|es|ing)\b`, "name the gap in the system or process, not whose fault it was"),
		p(`\bshould(?:n['’]t)? have (known|noticed|caught|checked|seen|realised|realized|tested|asked)\b`, "hindsight: ask what information or tooling was missing at the time"),
		p(`\b(careless(ly|ness)?|negligen(t|ce)|sloppy|incompetent|lazy|reckless(ly)?)\b`, "describe what happened and the conditions around it, not a person's character"),
		p(`\b(forgot|neglected|failed to follow)\b`, "ask why the step could be missed (no checklist, no automation) rather than who missed it"),
	}
}

// ParseBlamePatterns reads patterns, one a line: a regular expression
// (matched case-insensitively), then " => " and the suggestion. Blank lines
// and lines starting with # are skipped. An unparseable line is refused
// with its number.
func ParseBlamePatterns(r io.Reader) ([]BlamePattern, error) {
	var out []BlamePattern
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		re, suggestion, ok := strings.Cut(line, "=>")
		re, suggestion = strings.TrimSpace(re), strings.TrimSpace(suggestion)
		if !ok || re == "" || suggestion == "" {
			return nil, Invalid("blame_patterns", "line %d: write PATTERN => SUGGESTION", n)
		}
		compiled, err := regexp.Compile(`(?i)` + re)
		if err != nil {
			return nil, Invalid("blame_patterns", "line %d: %v", n, err)
		}
		out = append(out, BlamePattern{Pattern: compiled, Suggestion: suggestion})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// BlameFinding is one passage the lint flagged.
type BlameFinding struct {
	Section    Section `json:"section"`
	Text       string  `json:"text"` // the words flagged
	Suggestion string  `json:"suggestion"`
}

// causeSections are where a person as the subject of a sentence is
// blame: the root causes and what contributed to them.
var causeSections = []Section{SectionRootCauses, SectionContributing}

// sentenceStart finds the first word of each sentence or line.
var sentenceStart = regexp.MustCompile(`(?m)(?:^|[.!?;]\s+|^\s*[-*]\s+)(@?[\p{L}][\p{L}\p{N}._-]*)`)

// LintBlame returns the blaming passages of one section's text. people
// are the handles and names of people (of the incident and the
// directory): in root causes and contributing factors, a sentence whose
// subject is one of them is flagged, as is any @mention starting one.
func LintBlame(s Section, text string, patterns []BlamePattern, people []string) []BlameFinding {
	var out []BlameFinding
	for _, p := range patterns {
		for _, m := range p.Pattern.FindAllString(text, -1) {
			out = append(out, BlameFinding{Section: s, Text: m, Suggestion: p.Suggestion})
		}
	}
	if !slices.Contains(causeSections, s) {
		return out
	}
	known := make(map[string]bool, len(people))
	for _, p := range people {
		if p = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(p), "@")); p != "" {
			known[p] = true
		}
	}
	for _, m := range sentenceStart.FindAllStringSubmatch(text, -1) {
		word := m[1]
		if strings.HasPrefix(word, "@") || known[strings.ToLower(word)] {
			out = append(out, BlameFinding{Section: s, Text: word,
				Suggestion: fmt.Sprintf("make the system the subject of the cause (\"the deploy allowed ...\") rather than %s", word)})
		}
	}
	return out
}

// LintPostmortem lints every section of a postmortem as the document
// shows it.
func LintPostmortem(texts map[Section]string, patterns []BlamePattern, people []string) []BlameFinding {
	var out []BlameFinding
	for _, s := range Sections {
		out = append(out, LintBlame(s, texts[s], patterns, people)...)
	}
	return out
}
