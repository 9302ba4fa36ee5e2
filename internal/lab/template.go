package lab

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// exprRE finds template expressions in the syntaxes template engines use:
// {{ }}, ${ }, #{ } and <%= %>.
var exprRE = regexp.MustCompile(`\{\{(.{0,200}?)\}\}|\$\{(.{0,200}?)\}|#\{(.{0,200}?)\}|<%=(.{0,200}?)%>`)

// safePlaceholderRE is what the twin substitutes: three fixed names.
var safePlaceholderRE = regexp.MustCompile(`\{\{\s*(user\.name|user\.username|marina\.name)\s*\}\}`)

// handlePreview renders a notification template for the caller. The
// vulnerable lab evaluates expressions, arithmetic and the server's
// configuration included (inj-template-preview); the twin substitutes three
// fixed placeholders and leaves everything else as text.
func (l *Lab) handlePreview(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Template string `json:"template"`
	}
	if !l.readJSON(w, r, &in) {
		return
	}
	p := who(r)
	vars := map[string]any{"user.name": p.FullName, "user.username": p.Username, "marina.name": "Quayside Marina"}
	if l.secure {
		if len(in.Template) > 2000 {
			writeError(w, http.StatusBadRequest, "bad_request", "template is at most 2000 characters")
			return
		}
		out := safePlaceholderRE.ReplaceAllStringFunc(in.Template, func(m string) string {
			return fmt.Sprint(vars[safePlaceholderRE.FindStringSubmatch(m)[1]])
		})
		writeJSON(w, http.StatusOK, map[string]string{"rendered": out})
		return
	}
	vars["user.email"] = p.Email
	vars["config.jwt_secret"] = string(l.secret)
	vars["config.database"] = l.dir + "/quayside.db"
	var firstErr error
	out := exprRE.ReplaceAllStringFunc(in.Template, func(m string) string {
		sm := exprRE.FindStringSubmatch(m)
		src := sm[1] + sm[2] + sm[3] + sm[4]
		v, err := evalExpr(src, vars)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			return m
		}
		return fmt.Sprint(v)
	})
	if firstErr != nil {
		writeError(w, http.StatusBadRequest, "template_error", "template: %v", firstErr)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"rendered": out})
}

// evalExpr evaluates a tiny expression language: integers, quoted strings,
// dotted names, + - * / % and parentheses.
func evalExpr(src string, vars map[string]any) (any, error) {
	p := &exprParser{src: src, vars: vars}
	v, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos < len(p.src) {
		return nil, fmt.Errorf("unexpected %q at %d in %q", p.src[p.pos:], p.pos, src)
	}
	return v, nil
}

type exprParser struct {
	src   string
	pos   int
	vars  map[string]any
	depth int
}

func (p *exprParser) space() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
}

func (p *exprParser) expr(minPrec int) (any, error) {
	if p.depth++; p.depth > 50 {
		return nil, fmt.Errorf("expression too deep")
	}
	defer func() { p.depth-- }()
	left, err := p.operand()
	if err != nil {
		return nil, err
	}
	for {
		p.space()
		if p.pos >= len(p.src) {
			return left, nil
		}
		op := p.src[p.pos]
		prec := map[byte]int{'+': 1, '-': 1, '*': 2, '/': 2, '%': 2}[op]
		if prec == 0 || prec < minPrec {
			return left, nil
		}
		p.pos++
		right, err := p.expr(prec + 1)
		if err != nil {
			return nil, err
		}
		if left, err = apply(op, left, right); err != nil {
			return nil, err
		}
	}
}

func (p *exprParser) operand() (any, error) {
	p.space()
	if p.pos >= len(p.src) {
		return nil, fmt.Errorf("missing operand in %q", p.src)
	}
	c := p.src[p.pos]
	switch {
	case c == '(':
		p.pos++
		v, err := p.expr(0)
		if err != nil {
			return nil, err
		}
		p.space()
		if p.pos >= len(p.src) || p.src[p.pos] != ')' {
			return nil, fmt.Errorf("missing ) in %q", p.src)
		}
		p.pos++
		return v, nil
	case c == '-':
		p.pos++
		v, err := p.operand()
		if err != nil {
			return nil, err
		}
		return apply('-', int64(0), v)
	case c >= '0' && c <= '9':
		start := p.pos
		for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
			p.pos++
		}
		return strconv.ParseInt(p.src[start:p.pos], 10, 64)
	case c == '\'' || c == '"':
		end := strings.IndexByte(p.src[p.pos+1:], c)
		if end < 0 {
			return nil, fmt.Errorf("unterminated string in %q", p.src)
		}
		s := p.src[p.pos+1 : p.pos+1+end]
		p.pos += end + 2
		return s, nil
	case c == '_' || c == '.' || (c|0x20 >= 'a' && c|0x20 <= 'z'):
		start := p.pos
		for p.pos < len(p.src) {
			d := p.src[p.pos]
			if d != '_' && d != '.' && !(d|0x20 >= 'a' && d|0x20 <= 'z') && !(d >= '0' && d <= '9') {
				break
			}
			p.pos++
		}
		name := strings.TrimPrefix(p.src[start:p.pos], ".")
		v, ok := p.vars[name]
		if !ok {
			return nil, fmt.Errorf("undefined name %q (known: user.name, user.username, user.email, marina.name, config.*)", name)
		}
		return v, nil
	}
	return nil, fmt.Errorf("unexpected %q in %q", c, p.src)
}

func apply(op byte, a, b any) (any, error) {
	ai, aInt := a.(int64)
	bi, bInt := b.(int64)
	switch {
	case aInt && bInt:
		switch op {
		case '+':
			return ai + bi, nil
		case '-':
			return ai - bi, nil
		case '*':
			return ai * bi, nil
		case '/', '%':
			if bi == 0 {
				return nil, fmt.Errorf("division by zero")
			}
			if op == '/' {
				return ai / bi, nil
			}
			return ai % bi, nil
		}
	case op == '+':
		return fmt.Sprint(a) + fmt.Sprint(b), nil
	case op == '*' && (aInt || bInt):
		n, s := ai, fmt.Sprint(b)
		if !aInt {
			n, s = bi, fmt.Sprint(a)
		}
		if n < 0 || n*int64(len(s)) > 10000 {
			return nil, fmt.Errorf("string repetition too large")
		}
		return strings.Repeat(s, int(n)), nil
	}
	return nil, fmt.Errorf("cannot apply %c to %T and %T", op, a, b)
}
