public class App { public static void main(String[] a) {
    System.out.println("orders on java 17: ready");
} }
