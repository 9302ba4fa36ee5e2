package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	jobs     *prometheus.CounterVec
	running  prometheus.Gauge
	fires    prometheus.Counter
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "escarp_http_requests_total",
			Help: "HTTP requests by route and status."}, []string{"route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "escarp_http_request_duration_seconds",
			Help: "HTTP request latency by route.", Buckets: prometheus.DefBuckets}, []string{"route"}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "escarp_jobs_total",
			Help: "Jobs finished on this node by kind and state."}, []string{"kind", "state"}),
		running: prometheus.NewGauge(prometheus.GaugeOpts{Name: "escarp_jobs_running", Help: "Jobs running on this node."}),
		fires:   prometheus.NewCounter(prometheus.CounterOpts{Name: "escarp_schedule_fires_total", Help: "Schedule fires this node won."}),
	}
	reg.MustRegister(m.requests, m.latency, m.jobs, m.running, m.fires,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (s *Server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// instrument counts and times requests by route pattern (never by raw
// path, so the label set stays bounded).
func (s *Server) instrument(rt Route, h http.Handler) http.Handler {
	label := rt.Method + " " + rt.Path
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		s.metrics.requests.WithLabelValues(label, strconv.Itoa(sw.status)).Inc()
		s.metrics.latency.WithLabelValues(label).Observe(time.Since(start).Seconds())
	})
}
