// Package admin is pipehttp's admin listener: metrics, a live dashboard and
// live resizing of the pipeline's stages, served off the public port by a
// second pipeline.Server. Its Router answers every request inline in that
// server's route stage; the package starts no goroutines of its own.
//
//	GET  /metrics                         Prometheus text exposition (client_golang registry + expfmt)
//	GET  /debug/pipeline                  the live dashboard (HTML, assets embedded)
//	GET  /debug/pipeline.json             pipeline.Stats of the watched server as JSON
//	POST /debug/pipeline/stages/{stage}   resize a stage: body "workers=N" (form) or {"workers":N} (JSON)
//	GET  /healthz                         200 while the process is alive
//	GET  /readyz                          200 while it takes new work; 503 once draining (Router.SetDraining)
//	GET  /debug/autotune.json             the stage controllers and their decisions (WatchAutotune)
//
// The admin listener keeps a few descriptors in reserve and serves from
// them when the process has run out (pipeline.Ops.ServeSpare), so health
// checks and scrapes still answer when the public side is exhausted.
//
// The Prometheus client library is used only for its registry, collectors
// and text encoder; its net/http handler is not, so no net/http server is
// involved in serving these pages either.
package admin
