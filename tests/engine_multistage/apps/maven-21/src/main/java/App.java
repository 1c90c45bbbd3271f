public class App { public static void main(String[] a) {
    System.out.println("orders on java 21: ready");
} }
