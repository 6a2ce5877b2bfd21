defmodule KV.Router do
  @moduledoc """
  Sends a request to the node that owns a bucket, chosen by the bucket name's first byte in
  the routing table. The table comes from `Application.get_env(:kv, :routing_table)`; without
  one, every bucket lives on this node.
  """

  @doc """
  Applies `mod.fun(args)` on the node owning `bucket`: here when the table says so, otherwise
  in a task of that node's `KV.RouterTasks` (which routes again with its own table).
  """
  def route(bucket, mod, fun, args) do
    first = :binary.first(bucket)

    case Enum.find(table(), fn {bytes, _node} -> first in bytes end) do
      nil ->
        raise "could not find entry for #{inspect(bucket)} in table #{inspect(table())}"

      {_bytes, owner} when owner == node() ->
        apply(mod, fun, args)

      {_bytes, owner} ->
        {KV.RouterTasks, owner}
        |> Task.Supervisor.async(KV.Router, :route, [bucket, mod, fun, args])
        |> Task.await()
    end
  end

  def table, do: Application.get_env(:kv, :routing_table, [{0..255, node()}])
end
