defmodule RuntimeBench do
  @moduledoc """
  The BEAM side of `make bench`: the same work as Benchmarks/RuntimeBench/main.swift.

    * spawn: a parent spawns N processes in batches of 1,000; each child sends `:done` back and
      the parent receives a batch's answers before the next batch (a mailbox of N messages would
      measure the BEAM's garbage collector, not spawning).
    * pingpong: two processes pass a message back and forth M round trips.

  Prints `spawn <per second>` or `pingpong <round trips per second>`.
  """

  def main([which]) do
    spawns = env_int("SPAWNS", 500_000)
    round_trips = env_int("ROUND_TRIPS", 1_000_000)

    case which do
      "spawn" -> IO.puts("spawn #{per_second(spawns, fn -> spawn_all(spawns) end)}")
      "pingpong" -> IO.puts("pingpong #{per_second(round_trips, fn -> ping_pong(round_trips) end)}")
    end
  end

  defp env_int(name, default) do
    case System.get_env(name) do
      nil -> default
      text -> String.to_integer(text)
    end
  end

  defp per_second(count, fun) do
    {microseconds, :ok} = :timer.tc(fun)
    round(count * 1_000_000 / microseconds)
  end

  @batch 1_000

  defp spawn_all(n) when n <= 0, do: :ok

  defp spawn_all(n) do
    batch = min(n, @batch)
    spawn_batch(self(), batch)
    await_batch(batch)
    spawn_all(n - batch)
  end

  defp spawn_batch(_parent, 0), do: :ok

  defp spawn_batch(parent, k) do
    spawn(fn -> send(parent, :done) end)
    spawn_batch(parent, k - 1)
  end

  defp await_batch(0), do: :ok

  defp await_batch(k) do
    receive do
      :done -> await_batch(k - 1)
    end
  end

  defp ping_pong(n) do
    echo = spawn(&echo/0)
    me = self()
    Enum.each(1..n, fn _ ->
      send(echo, {:ping, me})
      receive do
        :ping -> :ok
      end
    end)
    send(echo, :stop)
    :ok
  end

  defp echo do
    receive do
      {:ping, from} ->
        send(from, :ping)
        echo()

      :stop ->
        :ok
    end
  end
end
