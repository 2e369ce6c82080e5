<?xml version="1.0" encoding="UTF-8"?>
<!--
  The index as any resolver reads it: bnd describes a multi-release jar by one synthetic resource per
  Java release (urn:osgi-bnd-mrj: URLs, no content), which only bnd understands and Felix OBR
  chokes on. Those go, with the requirements and capabilities that tie them to their jar; each jar
  keeps what its manifest says.
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:r="http://www.osgi.org/xmlns/repository/v1.0.0">
  <xsl:output method="xml" indent="yes" encoding="UTF-8"/>
  <xsl:strip-space elements="*"/>

  <xsl:template match="@*|node()">
    <xsl:copy><xsl:apply-templates select="@*|node()"/></xsl:copy>
  </xsl:template>

  <xsl:template match="r:resource[r:capability[@namespace='osgi.identity']/r:attribute[@name='type' and @value='bnd.synthetic']]"/>
  <xsl:template match="r:requirement[@namespace='bnd.multirelease']"/>
  <xsl:template match="r:capability[@namespace='bnd.multirelease']"/>
</xsl:stylesheet>
