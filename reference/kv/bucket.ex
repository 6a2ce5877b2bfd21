defmodule KV.Bucket do
  @moduledoc """
  A bucket of the store: an Agent holding a map of keys to values.

  Reads and writes travel as `{module, function, args}` instead of funs: a fun only runs on a
  node that has its exact code, while `Map.get/2` and friends exist on every node, kvsh's
  included, so a bucket can be used from any node of a mixed cluster.
  """
  use Agent, restart: :temporary

  def start_link(_options), do: Agent.start_link(Map, :new, [])

  def get(bucket, key), do: Agent.get(bucket, Map, :get, [key])

  def put(bucket, key, value), do: Agent.update(bucket, Map, :put, [key, value])

  @doc "Removes `key`, returning the value it had (nil when it had none)."
  def delete(bucket, key), do: Agent.get_and_update(bucket, Map, :pop, [key])
end
