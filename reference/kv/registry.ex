defmodule KV.Registry do
  @moduledoc """
  Names buckets. Creating goes through the server, so two clients creating the same name get
  the same bucket; looking up reads the server's ETS table directly, so lookups never queue
  behind creations. The server monitors every bucket and forgets the name when it stops.
  """
  use GenServer

  @doc "Starts the registry; its ETS table takes the registry's name."
  def start_link(options) do
    name = Keyword.fetch!(options, :name)
    GenServer.start_link(__MODULE__, name, options)
  end

  @doc "`{:ok, pid}` of the bucket called `name`, or `:error`."
  def lookup(registry, name) do
    case :ets.lookup(registry, name) do
      [{^name, bucket}] -> {:ok, bucket}
      [] -> :error
    end
  end

  @doc "The pid of the bucket called `name`, started when there was none."
  def create(registry, name), do: GenServer.call(registry, {:create, name})

  @impl true
  def init(table) do
    names = :ets.new(table, [:named_table, read_concurrency: true])
    {:ok, {names, %{}}}
  end

  @impl true
  def handle_call({:create, name}, _from, {names, monitors} = state) do
    case lookup(names, name) do
      {:ok, bucket} ->
        {:reply, bucket, state}

      :error ->
        {:ok, bucket} = DynamicSupervisor.start_child(KV.BucketSupervisor, KV.Bucket)
        monitor = Process.monitor(bucket)
        :ets.insert(names, {name, bucket})
        {:reply, bucket, {names, Map.put(monitors, monitor, name)}}
    end
  end

  # The registry protocol of the guide's earlier chapters, still answered for callers on other
  # nodes that ask the server instead of reading the table.
  def handle_call({:lookup, name}, _from, {names, _monitors} = state) do
    {:reply, lookup(names, name), state}
  end

  @impl true
  def handle_info({:DOWN, monitor, :process, _bucket, _reason}, {names, monitors}) do
    {name, monitors} = Map.pop(monitors, monitor)
    :ets.delete(names, name)
    {:noreply, {names, monitors}}
  end

  def handle_info(_message, state), do: {:noreply, state}
end
