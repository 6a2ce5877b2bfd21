defmodule KVServer do
  @moduledoc """
  Serves the store over TCP, one line per command: an acceptor hands every client to a task of
  `KVServer.TaskSupervisor`, which answers its commands in order until the client leaves.
  """

  @listen_options [:binary, packet: :line, active: false, reuseaddr: true, nodelay: true]

  def child_spec(port), do: %{id: __MODULE__, start: {__MODULE__, :start_link, [port]}}

  @doc """
  Listens on `port` before returning, so the port is open once the supervisor has started,
  then gives the socket to a linked acceptor process.
  """
  def start_link(port) do
    case :gen_tcp.listen(port, @listen_options) do
      {:ok, socket} ->
        acceptor = spawn_link(fn -> accept(socket) end)
        :ok = :gen_tcp.controlling_process(socket, acceptor)
        {:ok, acceptor}

      {:error, reason} ->
        {:error, {:listen, port, reason}}
    end
  end

  defp accept(socket) do
    {:ok, client} = :gen_tcp.accept(socket)
    {:ok, task} = Task.Supervisor.start_child(KVServer.TaskSupervisor, fn -> serve(client) end)

    # A client that connected and left at once may have ended its task already: the socket
    # then still belongs to the acceptor, which closes it and goes on accepting.
    case :gen_tcp.controlling_process(client, task) do
      :ok -> :ok
      {:error, _reason} -> :gen_tcp.close(client)
    end

    accept(socket)
  end

  defp serve(socket) do
    reply =
      with {:ok, line} <- :gen_tcp.recv(socket, 0),
           {:ok, command} <- KVServer.Command.parse(line),
           do: KVServer.Command.run(command)

    write_line(socket, reply)
    serve(socket)
  end

  defp write_line(socket, {:ok, text}), do: :gen_tcp.send(socket, text)
  defp write_line(socket, {:error, :unknown_command}), do: :gen_tcp.send(socket, "UNKNOWN COMMAND\r\n")
  defp write_line(socket, {:error, :not_found}), do: :gen_tcp.send(socket, "NOT FOUND\r\n")
  defp write_line(_socket, {:error, :closed}), do: exit(:shutdown)

  defp write_line(socket, {:error, reason}) do
    :gen_tcp.send(socket, "ERROR\r\n")
    exit(reason)
  end
end
