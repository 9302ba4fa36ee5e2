package report

import (
	"html"
	"html/template"
	"regexp"
	"strings"
)

// The block kinds of the Markdown subset rule texts use.
const (
	mdPara = iota
	mdCodeBlock
	mdList
)

// An mdBlock is one block of Markdown: a paragraph (its lines), a code
// block (its lines, indentation kept) or a bullet list (one item a line).
type mdBlock struct {
	kind  int
	lines []string
}

// parseMarkdown splits the Markdown subset rule texts use into blocks:
// fenced code, indented code (four spaces or a tab, after a blank line),
// "- " and "* " bullet lists, and paragraphs.
func parseMarkdown(md string) []mdBlock {
	lines := strings.Split(strings.ReplaceAll(strings.Trim(md, "\n"), "\r\n", "\n"), "\n")
	var blocks []mdBlock
	atStart := true // at the start of a block: indented code may begin
	for i := 0; i < len(lines); {
		line := lines[i]
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "":
			atStart = true
			i++
			continue
		case strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~"):
			marker := trimmed[:3]
			b := mdBlock{kind: mdCodeBlock}
			for i++; i < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i]), marker); i++ {
				b.lines = append(b.lines, lines[i])
			}
			i++ // the closing fence
			blocks = append(blocks, b)
		case atStart && (strings.HasPrefix(line, "    ") || strings.HasPrefix(line, "\t")):
			b := mdBlock{kind: mdCodeBlock}
			for ; i < len(lines); i++ {
				l := lines[i]
				if strings.TrimSpace(l) == "" {
					b.lines = append(b.lines, "")
					continue
				}
				if !strings.HasPrefix(l, "    ") && !strings.HasPrefix(l, "\t") {
					break
				}
				if strings.HasPrefix(l, "\t") {
					l = l[1:]
				} else {
					l = l[4:]
				}
				b.lines = append(b.lines, l)
			}
			for len(b.lines) > 0 && b.lines[len(b.lines)-1] == "" {
				b.lines = b.lines[:len(b.lines)-1]
			}
			blocks = append(blocks, b)
		case isBullet(trimmed):
			b := mdBlock{kind: mdList}
			for ; i < len(lines); i++ {
				t := strings.TrimSpace(lines[i])
				if t == "" {
					break
				}
				if isBullet(t) {
					b.lines = append(b.lines, strings.TrimSpace(t[2:]))
				} else { // a continuation line of the item
					b.lines[len(b.lines)-1] += " " + t
				}
			}
			blocks = append(blocks, b)
		default:
			b := mdBlock{kind: mdPara}
			for ; i < len(lines); i++ {
				t := strings.TrimSpace(lines[i])
				if t == "" || strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") || (len(b.lines) > 0 && isBullet(t)) {
					break
				}
				b.lines = append(b.lines, t)
			}
			blocks = append(blocks, b)
		}
		atStart = false
	}
	return blocks
}

func isBullet(t string) bool { return strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "* ") }

var (
	mdCode = regexp.MustCompile("`([^`]+)`")
	mdBold = regexp.MustCompile(`\*\*([^*]+)\*\*`)
	mdLink = regexp.MustCompile(`\[([^\]]+)\]\((https?://[^\s)]+)\)`)
)

// markdownHTML renders the small Markdown subset rule texts use (fenced
// and indented code with its indentation kept, bullet lists, inline code,
// bold, links, paragraphs) as HTML. Everything is escaped first; only
// fixed tags are added.
func markdownHTML(md string) template.HTML {
	var b strings.Builder
	for _, blk := range parseMarkdown(md) {
		switch blk.kind {
		case mdCodeBlock:
			b.WriteString("<pre><code>" + html.EscapeString(strings.Join(blk.lines, "\n")) + "</code></pre>")
		case mdList:
			b.WriteString("<ul>")
			for _, item := range blk.lines {
				b.WriteString("<li>" + inlineHTML(item) + "</li>")
			}
			b.WriteString("</ul>")
		default:
			b.WriteString("<p>" + inlineHTML(strings.Join(blk.lines, "\n")) + "</p>")
		}
	}
	return template.HTML(b.String())
}

func inlineHTML(s string) string {
	t := html.EscapeString(s)
	t = mdCode.ReplaceAllString(t, "<code>$1</code>")
	t = mdBold.ReplaceAllString(t, "<strong>$1</strong>")
	t = mdLink.ReplaceAllString(t, `<a href="$2" rel="noopener noreferrer">$1</a>`)
	return strings.ReplaceAll(t, "\n", "<br>")
}

// plainInline renders inline Markdown as plain text: **bold** and `code`
// lose their markers, [text](url) becomes "text (url)".
func plainInline(s string) string {
	s = mdBold.ReplaceAllString(s, "$1")
	s = mdCode.ReplaceAllString(s, "$1")
	return mdLink.ReplaceAllString(s, "$1 ($2)")
}

// terminalText renders Markdown for a terminal: paragraphs joined on one
// line, code blocks with their indentation kept under a four-space
// indent, list items as "- item", blocks separated by a blank line; every
// line after the first starts with prefix.
func terminalText(md, prefix string) string {
	var b strings.Builder
	for i, blk := range parseMarkdown(md) {
		if i > 0 {
			b.WriteString("\n\n" + prefix)
		}
		switch blk.kind {
		case mdCodeBlock:
			for j, l := range blk.lines {
				if j > 0 {
					b.WriteString("\n" + prefix)
				}
				if l != "" {
					b.WriteString("    " + l)
				}
			}
		case mdList:
			for j, item := range blk.lines {
				if j > 0 {
					b.WriteString("\n" + prefix)
				}
				b.WriteString("- " + plainInline(item))
			}
		default:
			b.WriteString(plainInline(strings.Join(blk.lines, " ")))
		}
	}
	return strings.ReplaceAll(b.String(), prefix+"\n", "\n")
}
