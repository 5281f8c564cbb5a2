import com.marcnuri.helm.Helm;
import java.nio.file.Path;

/**
 * {@code java -cp <helm-java jars> HelmInstall.java CHART KUBECONFIG NAMESPACE key=value...}: helm install with
 * helm-java's bundled Helm (no helm binary needed), used by e2e/node/run.
 */
public class HelmInstall {
  public static void main(String[] a) {
    var cmd = new Helm(Path.of(a[0])).install().withName("kubevde").withNamespace(a[2]).createNamespace()
        .withKubeConfig(Path.of(a[1]));
    for (int i = 3; i < a.length; i++) {
      int eq = a[i].indexOf('=');
      cmd.set(a[i].substring(0, eq), a[i].substring(eq + 1));
    }
    var r = cmd.call();
    System.out.println("helm: release " + r.getName() + " " + r.getStatus());
  }
}
