package threat

import (
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/escarp/escarp"
)

// The data classes escarp recognises, and the data asset of each.
const (
	ClassCredentials = "credentials"
	ClassPayment     = "payment"
	ClassHealth      = "health"
	ClassPII         = "pii"
	ClassBusiness    = "business"
)

// classLevel is the confidentiality of each class.
var classLevel = map[string]string{
	ClassCredentials: "strictly-confidential",
	ClassPayment:     "strictly-confidential",
	ClassHealth:      "strictly-confidential",
	ClassPII:         "confidential",
	ClassBusiness:    "internal",
}

var classNames = map[string]string{
	ClassCredentials: "Credentials and tokens",
	ClassPayment:     "Payment data",
	ClassHealth:      "Health data",
	ClassPII:         "Personal data",
	ClassBusiness:    "Business data",
}

// classPatterns recognise a class from a property or parameter name,
// compared in lower case with separators removed.
var classPatterns = []struct {
	class string
	re    *regexp.Regexp
}{
	{ClassCredentials, regexp.MustCompile(`^(password|passwd|pwd|passphrase|secret|clientsecret|apikey|apisecret|accesstoken|refreshtoken|idtoken|token|privatekey|otp|totp|pin|sessionid|session|credentials?)$|password|secret|accesstoken|refreshtoken|apikey|privatekey`)},
	{ClassPayment, regexp.MustCompile(`card|^pan$|cvv|cvc|iban|bic|swift|accountnumber|routingnumber|sortcode|payment|billing`)},
	{ClassHealth, regexp.MustCompile(`diagnos|medical|health|blood|allerg|prescription|patient|symptom|insurance`)},
	{ClassPII, regexp.MustCompile(`email|phone|mobile|address|street|postcode|zipcode|ssn|socialsecurity|birth|dob|fullname|firstname|lastname|surname|givenname|familyname|passport|nationalid|taxid|gender|ipaddress|geolocation|latitude|longitude|^member$|^holder$`)},
}

// nameKey lower-cases a name and drops separators: "card_last4" → "cardlast4".
func nameKey(name string) string {
	return keyReplacer.Replace(strings.ToLower(name))
}

var keyReplacer = strings.NewReplacer("_", "", "-", "", ".", "", " ", "")

// nameClasses memoizes classOfName: large descriptions repeat the same
// property names thousands of times. It stops growing at maxMemo names.
var (
	nameClasses sync.Map
	memoSize    atomic.Int64
)

const maxMemo = 100_000

// classOfName returns the data class a property or parameter name implies,
// or "".
func classOfName(name string) string {
	if c, ok := nameClasses.Load(name); ok {
		return c.(string)
	}
	c := classOfNameUncached(name)
	if memoSize.Add(1) <= maxMemo {
		nameClasses.Store(name, c)
	}
	return c
}

func classOfNameUncached(name string) string {
	k := nameKey(name)
	if k == "" || reObjectID.MatchString(name) {
		return "" // the id of a payment method is not payment data
	}
	for _, p := range classPatterns {
		if p.re.MatchString(k) {
			return p.class
		}
	}
	return ""
}

// classOfSchema returns the class of a schema: its x-data-classification
// extension first, then its format.
func classOfSchema(s *escarp.Schema) (class, level string) {
	if s == nil {
		return "", ""
	}
	if v, ok := s.Extensions["x-data-classification"]; ok {
		return classOfExtension(v)
	}
	switch s.Format {
	case "password":
		return ClassCredentials, ""
	case "email":
		return ClassPII, ""
	}
	return "", ""
}

// classOfExtension reads an x-data-classification value: a level
// ("confidential"), a class ("pii"), or a list of them.
func classOfExtension(v any) (class, level string) {
	var words []string
	switch x := v.(type) {
	case string:
		words = strings.FieldsFunc(x, func(r rune) bool { return r == ',' || r == ' ' || r == '/' })
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok {
				words = append(words, s)
			}
		}
	}
	for _, w := range words {
		switch w = strings.ToLower(strings.TrimSpace(w)); w {
		case "credentials", "credential", "secret", "secrets", "auth":
			class = ClassCredentials
		case "pci", "payment", "card", "financial":
			class = ClassPayment
		case "phi", "health", "medical", "hipaa":
			class = ClassHealth
		case "pii", "personal", "gdpr", "personal-data":
			if class == "" {
				class = ClassPII
			}
		case "public":
			level = "public"
		case "internal":
			level = "internal"
		case "restricted", "sensitive":
			level = "restricted"
		case "confidential":
			level = "confidential"
		case "strictly-confidential", "secret-data", "top-secret", "highly-confidential":
			level = "strictly-confidential"
		}
	}
	if class == "" && level != "" {
		class = ClassBusiness
		if levelRank(level) >= levelRank("confidential") {
			class = ClassPII
		}
	}
	return class, level
}

// levelRank orders confidentiality levels: public 0 … strictly-confidential 4.
func levelRank(level string) int {
	return max(slices.Index(escarp.ConfidentialityLevels, level), 0)
}

// maxLevel returns the more secret of two levels.
func maxLevel(a, b string) string {
	if levelRank(b) > levelRank(a) {
		return b
	}
	if a == "" {
		return "public"
	}
	return a
}

// dataSeen collects the classes of data one schema tree carries, with
// where each was seen.
type dataSeen struct {
	classes map[string][]string // class → sources
	level   string              // from x-data-classification levels
}

func (d *dataSeen) add(class, source string) {
	if class == "" {
		return
	}
	if d.classes == nil {
		d.classes = map[string][]string{}
	}
	if len(d.classes[class]) < 8 && !slices.Contains(d.classes[class], source) {
		d.classes[class] = append(d.classes[class], source)
	}
}

// scanSchema records the data classes of s and everything under it, to a
// bounded number of schemas.
func (d *dataSeen) scanSchema(s *escarp.Schema, where string) {
	n := 0
	escarp.WalkSchema(s, func(ptr string, sc *escarp.Schema) bool {
		n++
		if n > 2000 {
			return false
		}
		if c, lvl := classOfSchema(sc); c != "" || lvl != "" {
			d.add(c, where+ptr)
			if lvl != "" {
				d.level = maxLevel(d.level, lvl)
			}
		}
		for _, name := range sc.SortedPropertyNames() {
			prop := sc.Properties[name]
			if c, _ := classOfSchema(prop); c != "" {
				continue // recorded when visited
			}
			owner := sc.Name
			if owner == "" {
				owner = where
			}
			d.add(classOfName(name), owner+"."+name)
		}
		return true
	})
}

// level returns the confidentiality of what d saw.
func (d *dataSeen) confidentiality() string {
	lvl := "public"
	if d.level != "" {
		lvl = d.level
	}
	for c := range d.classes {
		lvl = maxLevel(lvl, classLevel[c])
	}
	return lvl
}

// classList returns the classes seen, sorted.
func (d *dataSeen) classList() []string {
	out := make([]string, 0, len(d.classes))
	for c := range d.classes {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}
