// Package autotune is pipehttp's self-tuning: SEDA's controllers (Welsh,
// Culler & Brewer, SOSP 2001; Welsh & Culler, USITS 2003), running live
// against a pipeline.Server, each decision recorded with its reason.
//
// # Two kinds of controller
//
// A worker controller per resizable stage (parse, route, write, file)
// watches, over a short window, the stage's queue wait (p90), how busy its
// workers are (service time over workers × window) and how full its queue
// is. A stage whose items wait while every worker is busy is short of
// workers: held for GrowAfter, it grows by half, up to its maximum. A
// stage whose workers are mostly idle shrinks, after the longer
// ShrinkAfter, to the count that would be busy half the time — at rest, to
// its minimum. Every growth is judged by the next busy period: one that
// did not raise the stage's throughput is undone and not retried for a
// while (the stage was waiting on the CPU, not on workers). See WorkerLaw.
//
// An admission controller per route class with a latency target watches
// the class's response time at a percentile (p99) and sets the rate of a
// token bucket in front of it: cut by a factor while the smoothed
// percentile is over target (multiplicative decrease), raised by a
// constant step while well under (additive increase), lifted after a calm
// spell. Requests over the rate are answered 503 with Retry-After by the
// route stage — where a file request would otherwise join the file queue —
// so only the class that misses its target is shed, not everyone at the
// door. See AdmissionLaw and Gate.
//
// # Shape
//
// The laws (WorkerLaw, AdmissionLaw) are plain synchronous code: they are
// fed one window at a time and return a Decision; they read no clock and
// start nothing, and are tested with a fake one. The Tuner turns Stats
// snapshots into windows (differences of cumulative counters and
// histograms), applies decisions through Server.Resize and Gate.SetRate,
// and keeps them as Events. Tuner.Run is its one goroutine, owned by the
// caller and stopped by its context. The Gate is the only part on the
// request path, as the server's pipeline.Config.Admission: one atomic
// load per request of a class with a target while it is not limited.
//
// Everything is off unless asked for (pipehttp --autotune). The admin
// listener shows the controllers at /debug/autotune.json, on the dashboard
// (a timeline of decisions) and as pipehttp_autotune_* metrics.
package autotune
