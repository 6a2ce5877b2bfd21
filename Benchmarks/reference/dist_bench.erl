%% The BEAM side of the distribution benchmark: the same work as Benchmarks/DistBench/main.swift.
%%
%%   erl -noshell -sname b -setcookie C -s dist_bench main serve b
%%     registers `echo' (answers {ping, From} with pong) and `counter' (counts messages; answers
%%     {sync, From} with {done, Count}), prints `ready' and runs until killed.
%%   erl -noshell -sname a -setcookie C -s dist_bench main client a b@host
%%     connects to the peer and prints
%%       pingpong_median_us, pingpong_p99_us: one round trip, {ping, self()} sent to
%%         {echo, Peer} until pong is back, over ROUND_TRIPS (20,000) round trips;
%%       pingpong_rtps: those round trips per second;
%%       oneway_mps: MESSAGES (500,000) {msg, I} sent to {counter, Peer}, then a sync answered
%%         once all arrived: messages per second, from the first send to the answer;
%%     after a warm-up (WARMUP round trips, ten times as many messages), then halts.
%% The node name comes from -sname; the NAME argument only mirrors the Swift program's usage.
-module(dist_bench).
-export([main/1]).

main([serve | _]) ->
    register(echo, spawn(fun echo/0)),
    register(counter, spawn(fun() -> counter(0) end)),
    io:format("ready~n");
main([client, _Name, Peer]) ->
    %% In a process of its own: the caller is the init system's.
    spawn(fun() -> client(Peer) end).

echo() ->
    receive
        {ping, From} -> From ! pong
    end,
    echo().

counter(Count) ->
    receive
        {sync, From} ->
            From ! {done, Count},
            counter(0);
        _ ->
            counter(Count + 1)
    end.

client(Peer) ->
    RoundTrips = env_int("ROUND_TRIPS", 20000),
    Messages = env_int("MESSAGES", 500000),
    WarmUp = env_int("WARMUP", 2000),
    case net_kernel:connect_node(Peer) of
        true -> ok;
        _ -> fail(io_lib:format("cannot connect to ~s", [Peer]))
    end,
    ping_pong(Peer, WarmUp, []),
    Start = erlang:monotonic_time(nanosecond),
    Samples = lists:sort(ping_pong(Peer, RoundTrips, [])),
    Seconds = (erlang:monotonic_time(nanosecond) - Start) / 1.0e9,
    stream(Peer, WarmUp * 10),
    StreamStart = erlang:monotonic_time(nanosecond),
    stream(Peer, Messages),
    StreamSeconds = (erlang:monotonic_time(nanosecond) - StreamStart) / 1.0e9,
    Count = length(Samples),
    io:format("pingpong_median_us ~.1f~n", [lists:nth(Count div 2 + 1, Samples) / 1000]),
    io:format("pingpong_p99_us ~.1f~n", [lists:nth(min(Count, Count * 99 div 100 + 1), Samples) / 1000]),
    io:format("pingpong_rtps ~b~n", [trunc(RoundTrips / Seconds)]),
    io:format("oneway_mps ~b~n", [trunc(Messages / StreamSeconds)]),
    erlang:halt(0).

%% Each round trip timed on its own; returns the times in nanoseconds.
ping_pong(_Peer, 0, Samples) ->
    Samples;
ping_pong(Peer, Left, Samples) ->
    Start = erlang:monotonic_time(nanosecond),
    {echo, Peer} ! {ping, self()},
    receive
        pong -> ok
    end,
    ping_pong(Peer, Left - 1, [erlang:monotonic_time(nanosecond) - Start | Samples]).

stream(Peer, Count) ->
    send_all(Peer, 0, Count),
    {counter, Peer} ! {sync, self()},
    receive
        {done, Count} -> ok;
        {done, Other} -> io:format(standard_error, "warning: the counter counted ~b of ~b messages~n", [Other, Count])
    end.

send_all(_Peer, Count, Count) ->
    ok;
send_all(Peer, I, Count) ->
    {counter, Peer} ! {msg, I},
    send_all(Peer, I + 1, Count).

env_int(Name, Default) ->
    case os:getenv(Name) of
        false -> Default;
        Text -> list_to_integer(Text)
    end.

fail(Text) ->
    io:format(standard_error, "dist_bench: ~s~n", [Text]),
    erlang:halt(1).
