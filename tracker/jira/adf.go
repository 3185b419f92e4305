package jira

import "strings"

// ADF turns plain text into an Atlassian Document Format document, which
// API v3 requires for descriptions and comments: a paragraph per block of
// text separated by a blank line, its lines joined by hard breaks. ADF
// refuses empty text nodes, so blank lines make no node.
func ADF(text string) map[string]any {
	var paragraphs []any
	for _, block := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		var nodes []any
		for _, line := range strings.Split(block, "\n") {
			if strings.TrimSpace(line) == "" {
				continue
			}
			if len(nodes) > 0 {
				nodes = append(nodes, map[string]any{"type": "hardBreak"})
			}
			nodes = append(nodes, map[string]any{"type": "text", "text": line})
		}
		if len(nodes) > 0 {
			paragraphs = append(paragraphs, map[string]any{"type": "paragraph", "content": nodes})
		}
	}
	if paragraphs == nil {
		paragraphs = []any{}
	}
	return map[string]any{"type": "doc", "version": 1, "content": paragraphs}
}
