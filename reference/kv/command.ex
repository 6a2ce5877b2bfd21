defmodule KVServer.Command do
  @moduledoc """
  The text protocol's commands: `parse/1` turns a line into a command, `run/1` runs it against
  the store, finding buckets through `KV.Router` so that each runs on its owner's node.
  """

  @doc "`{:ok, command}` for the four known commands, `{:error, :unknown_command}` otherwise."
  def parse(line) do
    case String.split(line) do
      ["CREATE", bucket] -> {:ok, {:create, bucket}}
      ["GET", bucket, key] -> {:ok, {:get, bucket, key}}
      ["PUT", bucket, key, value] -> {:ok, {:put, bucket, key, value}}
      ["DELETE", bucket, key] -> {:ok, {:delete, bucket, key}}
      _ -> {:error, :unknown_command}
    end
  end

  @doc "`{:ok, reply text}` or `{:error, reason}`."
  def run({:create, bucket}) do
    case KV.Router.route(bucket, KV.Registry, :create, [KV.Registry, bucket]) do
      pid when is_pid(pid) -> {:ok, "OK\r\n"}
      _ -> {:error, "FAILED TO CREATE BUCKET"}
    end
  end

  def run({:get, bucket, key}) do
    lookup(bucket, fn pid -> {:ok, "#{KV.Bucket.get(pid, key)}\r\nOK\r\n"} end)
  end

  def run({:put, bucket, key, value}) do
    lookup(bucket, fn pid ->
      KV.Bucket.put(pid, key, value)
      {:ok, "OK\r\n"}
    end)
  end

  def run({:delete, bucket, key}) do
    lookup(bucket, fn pid ->
      KV.Bucket.delete(pid, key)
      {:ok, "OK\r\n"}
    end)
  end

  # The lookup is routed; the bucket call that follows goes straight to the (maybe remote) pid.
  defp lookup(bucket, found) do
    case KV.Router.route(bucket, KV.Registry, :lookup, [KV.Registry, bucket]) do
      {:ok, pid} -> found.(pid)
      :error -> {:error, :not_found}
    end
  end
end
