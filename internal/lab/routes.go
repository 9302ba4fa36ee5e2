package lab

import (
	"encoding/json"
	"net/http"
	"sync"

	"go.yaml.in/yaml/v3"
)

// routes wires every endpoint. Both modes serve the same documented
// operations; the vulnerable lab also serves the undocumented debug
// endpoint and the forgotten /api/v1.
func (l *Lab) routes() http.Handler {
	mux := http.NewServeMux()
	// The auth mode is what the vulnerable lab checks; the twin always verifies.

	mux.HandleFunc("GET /{$}", l.handleLanding)
	mux.HandleFunc("GET /openapi.yaml", l.handleSpecYAML)
	mux.HandleFunc("GET /openapi.json", l.handleSpecJSON)

	mux.HandleFunc("GET /api/v2/health", l.handleHealth)
	mux.HandleFunc("POST /api/v2/auth/login", l.handleLogin)
	mux.HandleFunc("GET /api/v2/auth/token", l.handleTokenQuery)
	mux.HandleFunc("POST /api/v2/auth/token", l.handleTokenForm)
	mux.HandleFunc("GET /api/v2/auth/logout", l.handleLogout)

	mux.HandleFunc("GET /api/v2/users/me", l.auth(authVerify, l.handleMe))
	mux.HandleFunc("PATCH /api/v2/users/me", l.auth(authVerify, l.handleUpdateMe))
	mux.HandleFunc("POST /api/v2/users/me/avatar", l.auth(authVerify, l.handleAvatar))
	mux.HandleFunc("GET /api/v2/users/{userId}/profile", l.auth(authVerify, l.handleProfile))
	mux.HandleFunc("GET /api/v2/payments/methods", l.auth(authVerify, l.handlePaymentMethods))

	mux.HandleFunc("GET /api/v2/berths", l.handleBerths)
	mux.HandleFunc("GET /api/v2/berths/{berthId}", l.handleBerth)

	mux.HandleFunc("GET /api/v2/boats", l.auth(authVerify, l.handleMyBoats))
	mux.HandleFunc("POST /api/v2/boats", l.auth(authVerify, l.handleCreateBoat))
	mux.HandleFunc("GET /api/v2/boats/search", l.auth(authVerify, l.handleSearchBoats))
	mux.HandleFunc("POST /api/v2/boats/import", l.auth(authVerify, l.handleImportBoat))
	mux.HandleFunc("GET /api/v2/boats/{boatId}", l.auth(authVerify, l.handleGetBoat))
	mux.HandleFunc("DELETE /api/v2/boats/{boatId}", l.auth(authVerify, l.handleDeleteBoat))

	mux.HandleFunc("GET /api/v2/bookings", l.auth(authVerify, l.handleMyBookings))
	mux.HandleFunc("POST /api/v2/bookings", l.auth(authVerify, l.handleCreateBooking))
	mux.HandleFunc("GET /api/v2/bookings/export", l.auth(authVerify, l.handleExport))
	mux.HandleFunc("GET /api/v2/bookings/{bookingId}", l.auth(authVerify, l.handleGetBooking))
	mux.HandleFunc("PATCH /api/v2/bookings/{bookingId}", l.auth(authVerify, l.handleUpdateBooking))
	mux.HandleFunc("POST /api/v2/bookings/{bookingId}/pay", l.auth(authVerify, l.handlePay))
	mux.HandleFunc("POST /api/v2/bookings/{bookingId}/confirm", l.auth(authVerify, l.handleConfirm))
	mux.HandleFunc("POST /api/v2/bookings/{bookingId}/coupon", l.auth(authVerify, l.handleCoupon))
	mux.HandleFunc("GET /api/v2/invoices", l.auth(authVerify, l.handleInvoice))
	mux.HandleFunc("POST /api/v2/coupons/validate", l.auth(authVerify, l.handleValidateCoupon))

	mux.HandleFunc("GET /api/v2/reviews", l.handleReviews)
	mux.HandleFunc("POST /api/v2/reviews", l.auth(authVerify, l.handleCreateReview))

	mux.HandleFunc("GET /api/v2/notifications", l.auth(authUnverified, l.handleNotifications))
	mux.HandleFunc("POST /api/v2/notifications/preview", l.auth(authVerify, l.handlePreview))
	mux.HandleFunc("GET /api/v2/marina/notices", l.auth(authPresence, l.handleNotices))
	mux.HandleFunc("GET /api/v2/marina/documents", l.auth(authVerify, l.handleDocument))
	mux.HandleFunc("GET /api/v2/reports/occupancy", l.auth(authNone, l.handleOccupancy))

	mux.HandleFunc("POST /api/v2/tools/dns-lookup", l.auth(authVerify, l.handleDNSLookup))
	mux.HandleFunc("POST /api/v2/webhooks/test", l.auth(authVerify, l.handleWebhookTest))
	mux.HandleFunc("POST /api/v2/partners/weather/import", l.auth(authVerify, l.handleWeatherImport))

	if l.secure {
		mux.HandleFunc("GET /api/v2/admin/users", l.admin(l.handleAdminUsers))
		mux.HandleFunc("PUT /api/v2/admin/settings", l.admin(l.handlePutSettings))
	} else {
		// The vulnerable lab forgot the role check on both.
		mux.HandleFunc("GET /api/v2/admin/users", l.auth(authVerify, l.handleAdminUsers))
		mux.HandleFunc("PUT /api/v2/admin/settings", l.auth(authVerify, l.handlePutSettings))

		mux.HandleFunc("GET /debug/vars", l.handleDebugVars)
		mux.HandleFunc("POST /api/v1/auth/login", l.handleLogin)
		mux.HandleFunc("GET /api/v1/users/me", l.auth(authUnverified, l.handleMe))
		mux.HandleFunc("GET /api/v1/boats/{boatId}", l.handleV1Boat)
	}
	mux.HandleFunc("GET /api/v2/admin/settings", l.admin(l.handleGetSettings))
	return l.wrap(mux)
}

var (
	specOnce [2]sync.Once
	specJSON [2][]byte
)

func (l *Lab) handleSpecYAML(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	w.Write(Spec(l.secure))
}

func (l *Lab) handleSpecJSON(w http.ResponseWriter, r *http.Request) {
	i := 0
	if l.secure {
		i = 1
	}
	specOnce[i].Do(func() {
		var doc any
		if err := yaml.Unmarshal(Spec(l.secure), &doc); err == nil {
			specJSON[i], _ = json.MarshalIndent(doc, "", "  ")
		}
	})
	w.Header().Set("Content-Type", "application/json")
	w.Write(specJSON[i])
}
