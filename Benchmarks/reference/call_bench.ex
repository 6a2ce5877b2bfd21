# The BEAM side of the call benchmark: the same work as Benchmarks/CallBench/main.swift.
#
#   elixir --sname b --cookie C -pa DIR -e 'CallBench.serve()'
#     starts what every kvsh node runs: a GenServer registered as KV.Registry (answering
#     {:lookup, name} with :error for an unknown bucket) and a Task.Supervisor named
#     KV.RouterTasks; prints `ready` and runs until killed.
#   elixir --sname a --cookie C -pa DIR -e 'CallBench.client(:"b@host")'
#     connects and, for 1 and 8 concurrent callers, times CALLS (default 5,000) calls per
#     caller after a warm-up of WARMUP (default 500) per caller, printing for each kind
#     `KIND_CALLERS_per_s N` (all callers' calls per second) and `KIND_CALLERS_mean_us X`
#     (the mean latency one caller saw):
#       genserver  GenServer.call({KV.Registry, peer}, {:lookup, "nosuchbucket"})
#       rpc        :rpc.call(peer, Kernel, :node, [])
#       task       Task.Supervisor.async({KV.RouterTasks, peer}, Kernel, :node, []) |> Task.await()
defmodule CallBench do
  defmodule Registry do
    use GenServer

    def init(buckets), do: {:ok, buckets}

    def handle_call({:lookup, name}, _from, buckets) do
      reply = case Map.fetch(buckets, name) do
        {:ok, pid} -> {:ok, pid}
        :error -> :error
      end
      {:reply, reply, buckets}
    end
  end

  def serve do
    {:ok, _} = GenServer.start(Registry, %{}, name: KV.Registry)
    {:ok, supervisor} = Task.Supervisor.start_link(name: KV.RouterTasks)
    Process.unlink(supervisor)
    IO.puts("ready")
    Process.sleep(:infinity)
  end

  def client(peer) do
    true = Node.connect(peer)
    calls = env_int("CALLS", 5000)
    warmup = env_int("WARMUP", 500)

    kinds = [
      genserver: fn -> GenServer.call({KV.Registry, peer}, {:lookup, "nosuchbucket"}) end,
      rpc: fn -> :rpc.call(peer, Kernel, :node, []) end,
      task: fn -> Task.Supervisor.async({KV.RouterTasks, peer}, Kernel, :node, []) |> Task.await() end
    ]

    for {kind, call} <- kinds, callers <- [1, 8] do
      {per_second, mean_us} = measure(call, callers, warmup, calls)
      IO.puts("#{kind}_#{callers}_per_s #{round(per_second)}")
      IO.puts("#{kind}_#{callers}_mean_us #{Float.round(mean_us, 1)}")
    end
  end

  # Every caller warms up, waits for the others, then makes its calls; the clock runs from the
  # common start to the last caller's end.
  defp measure(call, callers, warmup, calls) do
    parent = self()

    pids =
      for _ <- 1..callers do
        spawn_link(fn ->
          repeat(call, warmup)
          send(parent, {:warm, self()})
          receive do: (:go -> :ok)
          start = System.monotonic_time(:nanosecond)
          repeat(call, calls)
          send(parent, {:done, self(), System.monotonic_time(:nanosecond) - start})
        end)
      end

    for pid <- pids, do: receive(do: ({:warm, ^pid} -> :ok))
    start = System.monotonic_time(:nanosecond)
    for pid <- pids, do: send(pid, :go)
    times = for pid <- pids, do: receive(do: ({:done, ^pid, ns} -> ns))
    elapsed = System.monotonic_time(:nanosecond) - start
    mean_us = Enum.sum(times) / callers / calls / 1000
    {callers * calls / (elapsed / 1.0e9), mean_us}
  end

  defp repeat(_call, 0), do: :ok
  defp repeat(call, n), do: (call.(); repeat(call, n - 1))

  defp env_int(name, default) do
    case System.get_env(name) do
      nil -> default
      value -> String.to_integer(value)
    end
  end
end
