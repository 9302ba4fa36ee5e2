// Package rules holds escarp's built-in audit rules, one file per rule.
//
// [All] is the explicit, ordered list that cmd/escarp hands to the audit
// engine; ids are stable and never reused. The rules cover nine themes
// (authentication, authorization, transport, input validation, data
// exposure, rate limiting, errors, inventory and spec integrity) merged
// from 42Crunch, the Spectral OWASP ruleset, vacuum, Cherrybomb and KICS;
// Spectral OWASP and vacuum rule ids are kept as aliases.
package rules

import (
	"github.com/escarp/escarp/internal/audit"
)

// All returns every built-in rule, ordered by theme and id.
func All() []*audit.Rule {
	return []*audit.Rule{
		// A. Authentication and security schemes
		NoSecuritySchemes,
		WriteUnprotected,
		ReadUnprotected,
		EmptySecurity,
		UndefinedScheme,
		HTTPBasic,
		InsecureHTTPScheme,
		APIKeyInURL,
		CredentialsInURL,
		CleartextCredentials,
		OAuthInsecureFlow,
		OAuthNoRefresh,
		JWTBestPractices,
		UndeclaredScope,
		OAuthURLNotHTTPS,
		AuthorizationHeaderParam,
		No401,
		// B. Authorization
		NumericIDs,
		AdminSecurityUnique,
		ScopeMethodMismatch,
		OAuthNoScopesOnWrite,
		ForeignUserID,
		// C. Transport
		ServerHTTP,
		SchemeHTTP,
		OperationServerHTTP,
		ServerURL,
		NoHSTS,
		// D. Input validation
		StringLimit,
		StringRestricted,
		NumberLimit,
		NumberFormat,
		ArrayLimit,
		AdditionalProperties,
		FreeFormObject,
		MissingSchema,
		ValueTypeMismatch,
		RequestContentType,
		ReadOnlyWriteOnly,
		URLParameter,
		BinaryUnbounded,
		ScriptInMarkdown,
		// E. Data exposure
		ResponseSchemaUndefined,
		ResponseUnbounded,
		ResponseAdditionalProperties,
		SensitiveResponseProperty,
		NoSecurityHeaders,
		CORSOrigin,
		BodyOnNoContent,
		// F. Rate limiting
		RateLimitHeaders,
		No429,
		RetryAfter,
		PaginationMaximum,
		RequestBodyUnbounded,
		// G. Errors
		NoValidationError,
		No500,
		NoDefaultResponse,
		NoSuccessResponse,
		InvalidStatusCode,
		ErrorShape,
		// H. Inventory, versioning, deprecation
		ServerAudience,
		ServerEnvironment,
		Versioning,
		DeprecatedNoSunset,
		BreakingChange,
		UnusedComponent,
		DebugPath,
		Documentation,
		// I. Spec integrity
		SchemaViolation,
		UnresolvedRef,
		PathTemplate,
	}
}
