defmodule KVReference do
  @moduledoc """
  The guide's KV application started without mix, the Elixir side of the server benchmark:

      PORT=4040 KV_ROUTING_TABLE='[{?a..?m, :"foo@vm"}, {?n..?z, :"bar@vm"}]' \\
        elixir --sname foo --cookie C -pa DIR -e 'KVReference.start()'

  `PORT` defaults to 4040; `KV_ROUTING_TABLE` is an Elixir term, evaluated, and defaults to
  every bucket on this node. Prints `ready` once the port is open and runs until killed.
  """

  def start do
    Application.put_env(:kv, :routing_table, routing_table(System.get_env("KV_ROUTING_TABLE")))
    port = port(System.get_env("PORT", "4040"))

    children = [
      {DynamicSupervisor, name: KV.BucketSupervisor, strategy: :one_for_one},
      {KV.Registry, name: KV.Registry},
      {Task.Supervisor, name: KV.RouterTasks},
      {Task.Supervisor, name: KVServer.TaskSupervisor},
      {KVServer, port}
    ]

    # A child that cannot start (the port taken, say) takes this process down with its reason:
    # the node prints it and exits with status 1.
    {:ok, _supervisor} = Supervisor.start_link(children, strategy: :one_for_one, name: KV.Supervisor)

    IO.puts("ready")
    Process.sleep(:infinity)
  end

  defp routing_table(nil), do: [{0..255, node()}]

  defp routing_table(source) do
    {table, _bindings} = Code.eval_string(source)

    if is_list(table) and Enum.all?(table, &match?({%Range{}, node} when is_atom(node), &1)) do
      table
    else
      fail("KV_ROUTING_TABLE is not a list of {first..last, node}: #{inspect(table)}")
    end
  rescue
    error -> fail("KV_ROUTING_TABLE does not evaluate: #{Exception.message(error)}")
  end

  defp port(text) do
    case Integer.parse(text) do
      {port, ""} when port in 0..65535 -> port
      _ -> fail("PORT is not a port number: #{inspect(text)}")
    end
  end

  defp fail(message) do
    IO.puts(:stderr, message)
    System.halt(1)
  end
end
