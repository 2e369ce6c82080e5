package io.macula.nat.itest.lab;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Plain UDP sockets inside a lab namespace, driven by lines on stdin, reporting on stdout.
 *
 * <pre>
 *   java UdpProbe ADDRESS:PORT...     binds a socket on each, prints "ready"
 *   stdin:  send FROM_INDEX HOST:PORT TEXT     sends TEXT from socket FROM_INDEX
 *   stdout: got INDEX HOST:PORT TEXT           a datagram arrived at socket INDEX from HOST:PORT
 * </pre>
 */
public final class UdpProbe {
  public static void main(String[] args) throws Exception {
    Map<Integer, DatagramSocket> sockets = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String[] hp = args[i].split(":");
      DatagramSocket s = new DatagramSocket(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])));
      sockets.put(i, s);
      int index = i;
      Thread t = new Thread(() -> receive(index, s));
      t.setDaemon(true);
      t.start();
    }
    System.out.println("ready");
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] w = line.split(" ", 4);
      if (w.length == 4 && w[0].equals("send")) {
        String[] hp = w[2].split(":");
        byte[] data = w[3].getBytes(StandardCharsets.UTF_8);
        sockets.get(Integer.parseInt(w[1]))
            .send(new DatagramPacket(data, data.length, new InetSocketAddress(hp[0], Integer.parseInt(hp[1]))));
      }
    }
  }

  private static void receive(int index, DatagramSocket s) {
    byte[] buf = new byte[2048];
    try {
      while (true) {
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        s.receive(p);
        String text = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
        synchronized (System.out) {
          System.out.println("got " + index + " " + p.getAddress().getHostAddress() + ":" + p.getPort() + " " + text);
          System.out.flush();
        }
      }
    } catch (Exception e) {
      // the probe is ending
    }
  }
}
