package list

import (
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/authn"
	"github.com/escarp/escarp/internal/check/bfla"
	"github.com/escarp/escarp/internal/check/bola"
	"github.com/escarp/escarp/internal/check/flow"
	"github.com/escarp/escarp/internal/check/property"
)

// authz lists the authorization, authentication, property-level and
// business-flow checks (OWASP API1, API2, API3, API5, API6).
func authz() []check.Check {
	return []check.Check{
		// API1: broken object level authorization.
		bola.Read{},
		bola.Write{},
		bola.Reference{},
		// API2: broken authentication.
		authn.NoAuth{},
		authn.Garbled{},
		authn.AlgNone{},
		authn.Signature{},
		authn.Expired{},
		authn.WeakSecret{},
		authn.URLCredentials{},
		authn.Enumeration{},
		authn.BruteForce{},
		// API3: broken object property level authorization.
		property.MassAssignment{},
		property.Exposure{},
		property.Sensitive{},
		// API5: broken function level authorization.
		bfla.FunctionLevel{},
		bfla.MethodSwitch{},
		// API6: sensitive business flows.
		flow.StepSkip{},
		flow.Replay{},
		flow.Rule{},
	}
}
