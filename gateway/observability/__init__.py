"""What the gateway tells its operators: Prometheus metrics (`metrics`), OpenTelemetry traces
(`tracing`), and the hooks that feed both from a GraphQL operation (`operations`) and an
upstream call (`calls`). The log formats are in `gateway.logs`."""
